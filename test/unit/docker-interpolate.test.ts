import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, interpolateTree, parseDotEnv } from '../../src/runtime/docker/interpolate.ts';
import { CqrsError } from '../../src/errors.ts';

const env = { A: 'a', EMPTY: '', PORT: '5832' };

test('plain and braced variables', () => {
  assert.equal(interpolate('x-$A-${A}-y', env), 'x-a-a-y');
  assert.equal(interpolate('$A_SUFFIX', env), ''); // the name runs on: A_SUFFIX is unset
  assert.equal(interpolate('${A}_SUFFIX', env), 'a_SUFFIX');
});

test('defaults: :- covers unset and empty, - only unset', () => {
  assert.equal(interpolate('${MISSING:-d}', env), 'd');
  assert.equal(interpolate('${EMPTY:-d}', env), 'd');
  assert.equal(interpolate('${EMPTY-d}', env), '');
  assert.equal(interpolate('${MISSING-d}', env), 'd');
  assert.equal(interpolate('127.0.0.1:${PORT:-5432}:5432', env), '127.0.0.1:5832:5432');
});

test('nested defaults and alternatives', () => {
  assert.equal(interpolate('${MISSING:-${A:-z}}', env), 'a');
  assert.equal(interpolate('${MISSING:-${NOPE:-z}}', env), 'z');
  assert.equal(interpolate('${A:+alt}', env), 'alt');
  assert.equal(interpolate('${EMPTY:+alt}', env), '');
  assert.equal(interpolate('${EMPTY+alt}', env), 'alt');
});

test('$$ is a literal dollar, kept for the container shell', () => {
  assert.equal(interpolate('pg_isready -U "$$POSTGRES_USER" costs $$5', env), 'pg_isready -U "$POSTGRES_USER" costs $5');
  assert.equal(interpolate('a $ b', env), 'a $ b');
});

test('${VAR:?err} fails with the message; ${VAR?err} accepts empty', () => {
  assert.throws(
    () => interpolate('${MISSING:?set the port}', env, 'f.yml'),
    (e: unknown) => e instanceof CqrsError && /required variable MISSING is missing a value: set the port/.test(e.message),
  );
  assert.throws(() => interpolate('${EMPTY:?x}', env), CqrsError);
  assert.equal(interpolate('${EMPTY?x}', env), '');
  assert.equal(interpolate('${A:?x}', env), 'a');
});

test('malformed templates are usage errors', () => {
  assert.throws(() => interpolate('${A', env), CqrsError);
  assert.throws(() => interpolate('${1A}', env), CqrsError);
});

test('unset variables are reported once each by the tree walk, keys untouched', () => {
  const missing: string[] = [];
  const out = interpolateTree({ $KEY: ['$NOPE', { v: '${A}' }], n: 3 }, env, 'f', (n) => missing.push(n));
  assert.deepEqual(out, { $KEY: ['', { v: 'a' }], n: 3 });
  assert.deepEqual(missing, ['NOPE']);
});

test('.env parsing: comments, export, quotes', () => {
  const vars = parseDotEnv(`# comment\nexport A=1\nB = two # trailing\nC='$literal # kept'\nD="line\\nnext"\nbad line\n`);
  assert.deepEqual(vars, { A: '1', B: 'two', C: '$literal # kept', D: 'line\nnext' });
});
