import { quoteIdent } from '../pg/ident.ts';

/**
 * The SQL verify runs, built from a table's shape. Everything is computed and returned as text so that
 * both sides are compared on the values' canonical output, never on a driver's interpretation of them.
 */

/** What is compared of one table: which columns (sorted by name, so column order never matters) and the key. */
export interface Shape {
  schema: string;
  name: string;
  columns: string[];
  /** The expression hashed for each compared column (see hashedValue). */
  hashed: Record<string, Hashed>;
  /** Whose low bits name a row's segment (see segmentValue). */
  segmentBy: string;
  /** Primary-key columns in key order; empty for a table compared as a multiset of whole rows. */
  key: string[];
  /** format_type of each key column on the side the query runs on. */
  keyTypes: string[];
}

export const tableRef = (s: { schema: string; name: string }) => `${quoteIdent(s.schema)}.${quoteIdent(s.name)}`;

/**
 * How one column enters the row hash: a 64-bit hash term of its own (seeded with the column's position, so
 * equal values in two columns, or two columns' values swapped, do not cancel), or a value put into one
 * row() hashed as a whole for the types without a cheap term. Per-column terms avoid building a row
 * per table row, which costs more than hashing most of its values.
 */
export type Hashed = { term: string } | { inRow: string };

/**
 * Types whose own hash function distinguishes exactly the values whose text differs, so hashing them
 * natively (several times cheaper than printing them) cannot hide a difference: numeric's hash ignores the
 * display scale (1.0 = 1.00), so its scale is hashed with it; float hashes make -0 = 0, so a zero is hashed
 * as its text; a timestamptz is hashed as the timestamp it is in UTC (the session's zone, see session.ts).
 * Left out on purpose: jsonb (its numbers hash like numeric, without scale) and types without a hash
 * function (json): those are hashed as their text under the session's normalized settings.
 */
const rowTypes = /^(date|bytea|time(\(\d\))? with(out)? time zone)$/;
const textTypes = /^(text|character varying(\(\d+\))?|character(\(\d+\))?)$/;

/** A constant that stands for NULL in a column's term (hash functions return NULL for NULL). */
const nullHash = (seed: number) => BigInt.asIntN(64, 0x9e3779b97f4a7c15n * BigInt(seed + 1)).toString();

/** What is hashed of a column at position `seed` of the compared columns (see Hashed). */
export function hashedValue(column: string, leaderType: string, replicaType: string, seed: number): Hashed {
  const c = quoteIdent(column);
  const term = (sql: string): Hashed => ({ term: `coalesce(${sql}, ${nullHash(seed)})` });
  const type = leaderType === replicaType ? leaderType : '';
  if (integerTypes.has(type)) return term(`hashint8extended(${c}, ${seed})`);
  if (type === 'boolean') return term(`hashint8extended(${c}::int, ${seed})`);
  if (type === 'uuid') return term(`uuid_hash_extended(${c}, ${seed})`);
  // Byte-wise: a nondeterministic collation would make different strings hash alike.
  if (textTypes.test(type)) return term(`hashtextextended(${c} collate "C", ${seed})`);
  if (/^numeric(\(\d+,\d+\))?$/.test(type))
    return term(`hash_numeric_extended(${c}, ${seed}) # coalesce(hashint8extended(scale(${c}), ${seed}), 0)`);
  if (/^timestamp(\(\d\))? with time zone$/.test(type)) return term(`timestamp_hash_extended(${c}::timestamp, ${seed})`);
  if (/^timestamp(\(\d\))? without time zone$/.test(type)) return term(`timestamp_hash_extended(${c}, ${seed})`);
  if (type === 'double precision' || type === 'real') {
    const hash = type === 'real' ? 'hashfloat4extended' : 'hashfloat8extended';
    return term(`case when ${c} = 0 then hashtextextended(${c}::text, ${seed}) else ${hash}(${c}, ${seed}) end`);
  }
  if (rowTypes.test(type)) return { inRow: c };
  return term(`hashtextextended(${c}::text, ${seed})`);
}

/**
 * The row hash: the columns' terms combined by xor, and one hash_record_extended of the rest. 64 bits are
 * wide enough that a sum over millions of rows does not hide a difference, and far cheaper than md5 of the row's text.
 */
function hashOf(hashed: Record<string, Hashed>, columns: string[]): string {
  const parts = columns.map((c) => hashed[c]);
  const terms = parts.flatMap((h) => ('term' in h ? [h.term] : []));
  const inRow = parts.flatMap((h) => ('inRow' in h ? [h.inRow] : []));
  if (inRow.length || !terms.length) terms.push(`hash_record_extended(row(${inRow.join(', ')}), 0)`);
  return terms.length === 1 ? terms[0] : `(${terms.join(' # ')})`;
}

const rowHash = (s: Shape) => hashOf(s.hashed, s.columns);

export const integerTypes = new Set(['smallint', 'integer', 'bigint']);

/**
 * Segments are ranges of this value's low bits, the same expression on both sides. A single key that is an
 * integer on both sides is used as it is (its low bits spread dense keys evenly and cost nothing to
 * compute); other keys are hashed; without a key the row hash spreads the rows.
 */
export function segmentValue(hashed: Record<string, Hashed>, columns: string[], key: string[], integerKey: boolean): string {
  if (key.length === 0) return hashOf(hashed, columns);
  return integerKey ? `${quoteIdent(key[0])}::bigint` : hashOf(hashed, key);
}

const mask = (bits: number) => ((1n << BigInt(bits)) - 1n).toString();
/** Segment ids are integers, so a Postgres array literal needs no escaping. */
const bigintArray = (ids: string[]) => `{${ids.join(',')}}`;

/**
 * Parameters are always sent as text and cast in SQL (`$1::text::jsonb`): postgres.js would otherwise
 * serialize a value by the type the server infers (a JSON string for jsonb).
 */
export interface Query {
  text: string;
  params: string[];
}

/** Rows in the given segments (all rows when `within` is absent). */
function segmentFilter(s: Shape, within?: { bits: number; segments: string[] }): Query {
  if (!within) return { text: '', params: [] };
  return { text: `where (${s.segmentBy} & ${mask(within.bits)}) = any($1::text::bigint[])`, params: [bigintArray(within.segments)] };
}

/** count and order-independent sum of row hashes per segment of `bits` bits, optionally inside parent segments. */
export function segmentHashes(s: Shape, bits: number, within?: { bits: number; segments: string[] }): Query {
  const filter = segmentFilter(s, within);
  return {
    // Grouped on the integer (cheaper to hash than its text); printed as text outside.
    text: `select b::text, n::text, h::text from (select ${s.segmentBy} & ${mask(bits)} b, count(*) n, sum(${rowHash(s)}) h from ${tableRef(s)} ${filter.text} group by 1) s`,
    params: filter.params,
  };
}

/** Key values (as text) and row hash of every row in the given segments; keyless tables return whole rows. */
export function segmentRows(s: Shape, bits: number, segments: string[]): Query {
  const filter = segmentFilter(s, { bits, segments });
  const selected = s.key.length ? s.key : s.columns;
  return {
    text: `select ${selected.map((c) => `${quoteIdent(c)}::text`).join(', ')}, ${rowHash(s)}::text from ${tableRef(s)} ${filter.text}`,
    params: filter.params,
  };
}

/** Matches rows whose key is one of the JSON array of key-value arrays passed as $1 (uses the key's index). */
export function keyIn(s: Shape): string {
  const casts = s.key.map((_, i) => `(e->>${i})::${s.keyTypes[i]}`).join(', ');
  return `(${s.key.map(quoteIdent).join(', ')}) in (select ${casts} from jsonb_array_elements($1::text::jsonb) e)`;
}

/** Key texts followed by the text of each listed column, for the rows with the given keys. */
export function rowsByKey(s: Shape, columns: string[], keys: (string | null)[][]): Query {
  const selected = [...s.key, ...columns].map((c) => `${quoteIdent(c)}::text`).join(', ');
  return { text: `select ${selected} from ${tableRef(s)} where ${keyIn(s)}`, params: [JSON.stringify(keys)] };
}
