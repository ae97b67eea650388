/**
 * JSON decoding that keeps bigint values exact. JSON.parse turns 9007199254740993 into ...992, which
 * would silently change an int8 on the replicas; Node 20 has no access to a number's source text, so a
 * value that parsed into an unsafe integer makes us re-parse the text with long integer literals quoted,
 * and PostgreSQL then reads the digits as they were sent.
 */
export function parseExact(text: string): unknown {
  const value = JSON.parse(text);
  return hasUnsafeInteger(value) ? JSON.parse(quoteLongIntegers(text)) : value;
}

const unsafe = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v);

/** Looks at row values only (two levels: envelope (or its payload) → before/after/key → column, plus array elements). */
function hasUnsafeInteger(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return unsafe(value);
  let o = value as Record<string, unknown>;
  // Schemas enabled: the envelope is wrapped in {schema, payload} (decode.ts accepts both forms).
  if ('payload' in o && 'schema' in o && o.payload !== null && typeof o.payload === 'object') o = o.payload as Record<string, unknown>;
  const rows = 'after' in o || 'before' in o ? [o.after, o.before] : [o];
  for (const row of rows) {
    if (row === null || typeof row !== 'object') continue;
    for (const v of Object.values(row)) {
      if (unsafe(v) || (Array.isArray(v) && v.some(unsafe))) return true;
    }
  }
  return false;
}

/** Wraps every integer literal of 16+ digits outside strings in quotes. */
export function quoteLongIntegers(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j])) j++;
      const token = text.slice(i, j);
      if (/^-?\d{16,}$/.test(token)) {
        out += `${text.slice(from, i)}"${token}"`;
        from = j;
      }
      i = j - 1;
    }
  }
  return out + text.slice(from);
}
