import { createHash } from 'node:crypto';
import type { Column } from './catalog.ts';

/** Debezium's stand-in for an unchanged TOASTed value it did not receive (connector default). */
export const PLACEHOLDER = '__debezium_unavailable_value';
const PLACEHOLDER_BASE64 = Buffer.from(PLACEHOLDER).toString('base64');
const PLACEHOLDER_BYTES = JSON.stringify([...Buffer.from(PLACEHOLDER)]);
/** Java's UUID.nameUUIDFromBytes(placeholder) (MD5, version 3): Debezium's uuid[] placeholder element. */
const PLACEHOLDER_UUID = (() => {
  const h = createHash('md5').update(PLACEHOLDER).digest();
  h[6] = (h[6] & 0x0f) | 0x30;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
})();

/**
 * Whether a value is Debezium's unchanged-TOAST placeholder in any of its type-shaped forms (text/json
 * string, bytea as base64, a one-element text array, a one-element bytea[] (base64) or uuid[] array,
 * an int array of the placeholder's bytes).
 */
export function isPlaceholder(v: unknown): boolean {
  if (typeof v === 'string') return v === PLACEHOLDER || v === PLACEHOLDER_BASE64;
  if (Array.isArray(v)) {
    if (v.length === 1) return v[0] === PLACEHOLDER || v[0] === PLACEHOLDER_BASE64 || v[0] === PLACEHOLDER_UUID;
    return v.length === PLACEHOLDER.length && JSON.stringify(v) === PLACEHOLDER_BYTES;
  }
  return false;
}

/**
 * Debezium's isostring rendering of timestamp 'infinity' (it clamps to a far instant PostgreSQL cannot read
 * back); '-infinity' arrives as '-infinity' already.
 */
const TIMESTAMP_INFINITY = '+294247-01-10T04:00:25.2Z';

/**
 * A column value from the event (JSON, connector modes in connectors/leader-cdc.json) as PostgreSQL text
 * input for the column's type; the replica's own input function then parses it, so what is exact text
 * on the leader is exact on the replica:
 * numeric is a decimal string (NaN as "NAN"), floats are JSON numbers whose shortest form round-trips,
 * temporal values are ISO strings (a trailing Z is ignored by date/time/timestamp input), intervals ISO 8601
 * durations, json/jsonb their text, uuid a string, bytea base64 (→ \x hex), arrays JSON arrays.
 */
export function toPgText(v: unknown, col: Column): string | null {
  if (v === null || v === undefined) return null;
  if (col.array) return Array.isArray(v) ? arrayLiteral(v, col) : scalar(v, col);
  return scalar(v, col);
}

function scalar(v: unknown, col: Column): string | null {
  if (v === null) return null;
  switch (typeof v) {
    case 'string':
      if (col.kind === 'bytea') return `\\x${Buffer.from(v, 'base64').toString('hex')}`;
      // include.unknown.datatypes: a type Debezium does not know (composite) comes as its text form, base64-encoded.
      if (col.kind === 'raw') return Buffer.from(v, 'base64').toString('utf8');
      if (col.kind === 'timestamp' && v === TIMESTAMP_INFINITY) return 'infinity';
      return v;
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v); // String(-0) is "0"; float8 keeps the sign
    case 'boolean':
      return v ? 't' : 'f';
    default:
      // Structs (e.g. point as {x,y}) and maps: their JSON text is the best we can offer the input function.
      return JSON.stringify(v);
  }
}

function arrayLiteral(items: unknown[], col: Column): string {
  const parts = items.map((item) => {
    if (item === null || item === undefined) return 'NULL';
    if (Array.isArray(item)) return arrayLiteral(item, col);
    const text = scalar(item, col)!;
    return `"${text.replace(/[\\"]/g, '\\$&')}"`;
  });
  return `{${parts.join(',')}}`;
}
