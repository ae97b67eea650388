import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Column, Kind } from '../../src/replicator/catalog.ts';
import { isPlaceholder, PLACEHOLDER, toPgText } from '../../src/replicator/pg-text.ts';

const col = (type: string, kind: Kind = 'text', array = false): Column => ({ name: 'c', type, kind, array });
const text = col('text');
const float8 = col('double precision');
const numeric = col('numeric(38,10)');
const ts = col('timestamp without time zone', 'timestamp');
const bytea = col('bytea', 'bytea');
const intArr = col('integer[]', 'text', true);
const textArr = col('text[]', 'text', true);

test('SQL NULL (null or a column absent from the row) becomes a NULL parameter, not the text "null"', () => {
  assert.equal(toPgText(null, text), null);
  assert.equal(toPgText(undefined, text), null);
  assert.equal(toPgText(null, intArr), null);
});

test('decimal.handling.mode=string: numerics pass as their exact decimal text (never through a double)', () => {
  assert.equal(toPgText('12345678901234567890.0123456789', numeric), '12345678901234567890.0123456789');
  assert.equal(toPgText('-0.0000010000', numeric), '-0.0000010000');
  assert.equal(toPgText('NAN', numeric), 'NAN'); // Debezium's NaN spelling; numeric input is case-insensitive
});

test("floats: the JSON number's shortest form, which reads back as the same double", () => {
  for (const v of [0.1, 1.1, 1.7976931348623157e308, 5e-324, -1e-10, 1e21, 123456789.125]) {
    const s = toPgText(v, float8)!;
    assert.equal(Number(s), v, `${v} as ${s}`);
  }
  assert.equal(toPgText(0.1, float8), '0.1');
  assert.equal(toPgText(1e21, float8), '1e+21');
});

test('float negative zero keeps its sign (PostgreSQL float8 keeps -0 distinct in text)', () => {
  assert.equal(toPgText(JSON.parse('-0.0'), float8), '-0');
  assert.equal(toPgText(0, float8), '0');
});

test('NaN and ±Infinity (strings in JSON) pass unchanged for float and numeric input', () => {
  for (const v of ['NaN', 'Infinity', '-Infinity']) assert.equal(toPgText(v, float8), v);
});

test('int8 values decoded as strings (exact) pass as their digits', () => {
  assert.equal(toPgText('9223372036854775807', col('bigint')), '9223372036854775807');
  assert.equal(toPgText(42, col('integer')), '42');
});

test('booleans become t/f', () => {
  assert.equal(toPgText(true, col('boolean', 'bool')), 't');
  assert.equal(toPgText(false, col('boolean', 'bool')), 'f');
});

test('isostring temporal values and ISO 8601 intervals pass as-is (microseconds kept)', () => {
  assert.equal(toPgText('2024-01-02T03:04:05.123456Z', ts), '2024-01-02T03:04:05.123456Z');
  assert.equal(toPgText('2024-01-02T01:04:05.123456Z', col('timestamp with time zone')), '2024-01-02T01:04:05.123456Z');
  assert.equal(toPgText('23:59:59.999999Z', col('time without time zone')), '23:59:59.999999Z');
  assert.equal(toPgText('2024-02-29Z', col('date')), '2024-02-29Z');
  assert.equal(toPgText('P1Y2M-3DT4H5M6.789S', col('interval')), 'P1Y2M-3DT4H5M6.789S');
});

test('timestamp infinity: Debezium\'s clamped far instant becomes "infinity"; -infinity passes', () => {
  assert.equal(toPgText('+294247-01-10T04:00:25.2Z', ts), 'infinity');
  assert.equal(toPgText('-infinity', ts), '-infinity');
  // Only for timestamp columns: the same text in a text column is data.
  assert.equal(toPgText('+294247-01-10T04:00:25.2Z', text), '+294247-01-10T04:00:25.2Z');
  // Inside a timestamp[] too.
  assert.equal(toPgText(['+294247-01-10T04:00:25.2Z', null], col('timestamp without time zone[]', 'timestamp', true)), '{"infinity",NULL}');
});

test('bytea: base64 becomes \\x hex input', () => {
  assert.equal(toPgText('AP8Q', bytea), '\\x00ff10');
  assert.equal(toPgText('3q2+7w==', bytea), '\\xdeadbeef');
  assert.equal(toPgText('', bytea), '\\x');
  // A text column with base64-looking content is not decoded.
  assert.equal(toPgText('AP8Q', text), 'AP8Q');
});

test('arrays: element NULLs stay NULL, the string "NULL", quotes, backslashes and empty strings are quoted', () => {
  assert.equal(toPgText([1, null, 3], intArr), '{"1",NULL,"3"}');
  assert.equal(
    toPgText(['a b', null, 'c"d', 'NULL', '', 'back\\slash', '{x,y}'], textArr),
    '{"a b",NULL,"c\\"d","NULL","","back\\\\slash","{x,y}"}',
  );
  assert.equal(toPgText([], intArr), '{}');
});

test('multi-dimensional arrays nest', () => {
  assert.equal(
    toPgText(
      [
        [1, 2],
        [3, null],
      ],
      intArr,
    ),
    '{{"1","2"},{"3",NULL}}',
  );
});

test('arrays convert their elements by the element kind (bytea[], bool[])', () => {
  // Element text \x00ff, backslash escaped inside the quoted array element.
  assert.equal(toPgText(['AP8=', null], col('bytea[]', 'bytea', true)), '{"\\\\x00ff",NULL}');
  assert.equal(toPgText([true, false], col('boolean[]', 'bool', true)), '{"t","f"}');
  assert.equal(toPgText(['{"a": 1}', '[]'], col('jsonb[]', 'text', true)), '{"{\\"a\\": 1}","[]"}');
});

test('json/jsonb/uuid are their text; structs are their JSON text', () => {
  assert.equal(toPgText('{"a": [1, 2.50]}', col('jsonb')), '{"a": [1, 2.50]}');
  assert.equal(toPgText('null', col('json')), 'null'); // JSON null text, not SQL NULL
  assert.equal(toPgText('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', col('uuid')), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  assert.equal(toPgText({ x: 1.5, y: -2 }, col('point')), '{"x":1.5,"y":-2}');
});

test('isPlaceholder recognises every type-shaped form of the unchanged-TOAST placeholder', () => {
  assert.equal(PLACEHOLDER, '__debezium_unavailable_value');
  assert.equal(isPlaceholder('__debezium_unavailable_value'), true); // text, json(b), xml…
  assert.equal(isPlaceholder('X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ=='), true); // bytea (base64)
  assert.equal(isPlaceholder(['__debezium_unavailable_value']), true); // text[], varchar[], json[]
  const bytes = [
    95, 95, 100, 101, 98, 101, 122, 105, 117, 109, 95, 117, 110, 97, 118, 97, 105, 108, 97, 98, 108, 101, 95, 118, 97, 108, 117, 101,
  ];
  assert.equal(isPlaceholder(bytes), true); // int[], bigint[], date[]
  assert.equal(isPlaceholder(['X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==']), true); // bytea[]: [placeholder bytes]
  assert.equal(isPlaceholder(['b68a35a7-17ad-35b3-af2a-ae46edb4545a']), true); // uuid[]: [UUID.nameUUIDFromBytes(placeholder)]
});

test('isPlaceholder does not mistake real values for the placeholder', () => {
  for (const v of [
    '__debezium_unavailable_value ',
    'x',
    '',
    0,
    1,
    true,
    null,
    undefined,
    {},
    [],
    ['__debezium_unavailable_value', 'x'],
    ['x'],
    [null],
    [95, 95, 100, 101, 98, 101, 122, 105, 117, 109, 95, 117, 110, 97, 118, 97, 105, 108, 97, 98, 108, 101, 95, 118, 97, 108, 117, 102],
    ['b68a35a7-17ad-35b3-af2a-ae46edb4545b'],
  ]) {
    assert.equal(isPlaceholder(v), false, JSON.stringify(v));
  }
});

test('a type Debezium does not know (composite, or an array of it) arrives as base64 of its text form and is decoded to it', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  assert.equal(toPgText(b64('(2,"c ""d")'), col('public.pair', 'raw')), '(2,"c ""d")');
  assert.equal(toPgText(b64('{"(1,a)","(2,€)"}'), col('public.pair[]', 'raw', true)), '{"(1,a)","(2,€)"}');
  assert.equal(toPgText(null, col('public.pair', 'raw')), null);
});
