/**
 * Splits a non-TTY container log Buffer (what `logs` returns without follow) into its text: each frame
 * has an 8-byte header (stream id, 3 zero bytes, big-endian length). A buffer that is not framed (TTY
 * containers) is returned as it is.
 */
export function demuxBuffer(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const stream = buf[i];
    if (stream > 2 || buf[i + 1] || buf[i + 2] || buf[i + 3]) return buf.toString('utf8');
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(parts).toString('utf8');
}
