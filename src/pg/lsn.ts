/**
 * Consistency tokens are leader WAL positions. They travel as PostgreSQL's own LSN text ("0/16B3748"),
 * which a user can compare with pg_current_wal_lsn(); a plain decimal is accepted too.
 */
export function parseLsn(text: string): bigint | undefined {
  const lsn = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (lsn) return (BigInt(`0x${lsn[1]}`) << 32n) | BigInt(`0x${lsn[2]}`);
  if (/^[0-9]{1,20}$/.test(text.trim())) {
    const value = BigInt(text.trim());
    return value < 1n << 64n ? value : undefined;
  }
  return undefined;
}

export function formatLsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}
