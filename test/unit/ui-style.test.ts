import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colorsFor } from '../../src/ui/style.ts';

test('colour is decided per stream: NO_COLOR wins, FORCE_COLOR forces, otherwise a terminal only', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  assert.equal(colorsFor(tty, {}), true);
  assert.equal(colorsFor(pipe, {}), false);
  assert.equal(colorsFor(tty, { NO_COLOR: '1' }), false);
  assert.equal(colorsFor(tty, { NO_COLOR: '1', FORCE_COLOR: '1' }), false);
  assert.equal(colorsFor(pipe, { FORCE_COLOR: '1' }), true);
  assert.equal(colorsFor(pipe, { FORCE_COLOR: '' }), true);
  assert.equal(colorsFor(tty, { FORCE_COLOR: '0' }), false);
});
