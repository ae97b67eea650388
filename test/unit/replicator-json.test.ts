import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExact, quoteLongIntegers } from '../../src/replicator/json.ts';

type Env = { before?: Record<string, unknown> | null; after?: Record<string, unknown> | null; [k: string]: unknown };

test('an int8 above 2^53 in "after" keeps every digit (JSON.parse alone would round it)', () => {
  const text = '{"before":null,"after":{"id":9007199254740993,"name":"x"},"op":"c"}';
  assert.equal((JSON.parse(text) as Env).after!.id, 9007199254740992); // the loss this module exists to prevent
  const v = parseExact(text) as Env;
  assert.equal(v.after!.id, '9007199254740993');
  assert.equal(v.after!.name, 'x');
});

test('int8 extremes in "before" keep every digit, negative included', () => {
  const v = parseExact('{"before":{"a":9223372036854775807,"b":-9223372036854775808},"after":null}') as Env;
  assert.deepEqual(v.before, { a: '9223372036854775807', b: '-9223372036854775808' });
});

test('an unsafe integer inside an int8[] array value is kept exact, its safe neighbours stay numbers', () => {
  const v = parseExact('{"after":{"ia":[9007199254740993,1,null,-9007199254740995]}}') as Env;
  assert.deepEqual(v.after!.ia, ['9007199254740993', 1, null, '-9007199254740995']);
});

test('a bare row (e.g. a Kafka key {"id":…}) is checked too', () => {
  assert.deepEqual(parseExact('{"id":12345678901234567890}'), { id: '12345678901234567890' });
});

test('with schemas enabled ({schema, payload}) an int8 in payload.after is still exact', () => {
  const text = '{"schema":{"type":"struct","fields":[]},"payload":{"before":null,"after":{"id":9007199254740993},"op":"c"}}';
  const v = parseExact(text) as { payload: Env };
  assert.equal(v.payload.after!.id, '9007199254740993');
});

test('without unsafe integers the result is exactly JSON.parse (numbers stay numbers, 16-digit safe ones too)', () => {
  const text = '{"after":{"id":1,"big":1000000000000000,"max":9007199254740991,"f":0.1,"e":1.5e-300,"s":"12345678901234567"}}';
  const v = parseExact(text) as Env;
  assert.deepEqual(v, JSON.parse(text));
  assert.equal(typeof v.after!.big, 'number');
  assert.equal(v.after!.max, 9007199254740991);
});

test('once re-parsed, floats stay numbers and strings that look like numbers are untouched', () => {
  const text =
    '{"after":{"id":9007199254740993,"f":1.2345678901234567,"e":1.0E20,"s":"12345678901234567","q":"say \\"12345678901234567\\" \\\\","n":-5}}';
  const v = parseExact(text) as Env;
  assert.deepEqual(v.after, {
    id: '9007199254740993',
    f: 1.2345678901234567,
    e: 1e20,
    s: '12345678901234567',
    q: 'say "12345678901234567" \\',
    n: -5,
  });
});

test('quoteLongIntegers quotes 16+ digit integer literals outside strings only', () => {
  assert.equal(
    quoteLongIntegers('[123456789012345,1234567890123456,-1234567890123456]'),
    '[123456789012345,"1234567890123456","-1234567890123456"]',
  );
  // Not integers: fractions and exponents keep their form.
  assert.equal(
    quoteLongIntegers('[1234567890123456.5,12345678901234567e2,1.2345678901234567E+25]'),
    '[1234567890123456.5,12345678901234567e2,1.2345678901234567E+25]',
  );
  // Inside strings, including after escaped quotes and escaped backslashes.
  const s = '{"a":"12345678901234567","b":"x\\"12345678901234567","c":"\\\\","d":12345678901234567}';
  assert.equal(quoteLongIntegers(s), '{"a":"12345678901234567","b":"x\\"12345678901234567","c":"\\\\","d":"12345678901234567"}');
  assert.deepEqual(JSON.parse(quoteLongIntegers(s)), { a: '12345678901234567', b: 'x"12345678901234567', c: '\\', d: '12345678901234567' });
});

test('malformed JSON still throws (so decode can mark the message as poison)', () => {
  assert.throws(() => parseExact('{"after":'), SyntaxError);
});
