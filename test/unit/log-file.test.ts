import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { linesSince, tailFile } from '../../src/process/log-file.ts';

const log = [
  'no time yet',
  '[2026-11-26 01:00:00,000] INFO old',
  '\tat old.Trace(Trace.java:1)',
  '[2026-11-26 02:00:00,000] ERROR new',
  '\tat new.Trace(Trace.java:1)',
  '[2026-11-26 03:00:00,000] INFO newer',
];

test('--since keeps the lines logged since then, with their untimed continuation lines', () => {
  assert.deepEqual(linesSince(log, new Date(2026, 10, 26, 1, 30)), log.slice(3));
  assert.deepEqual(linesSince(log, new Date(2026, 10, 26, 4, 0)), []);
});

test('tail counts lines after --since; --tail 0 is nothing', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'cqrsctl-log-')), 'x.log');
  writeFileSync(path, log.join('\n') + '\n');
  assert.equal(tailFile(path, 2, new Date(2026, 10, 26, 1, 30)), log.slice(4).join('\n'));
  assert.equal(tailFile(path, Infinity, new Date(2026, 10, 26, 2, 30)), log[5]);
  assert.equal(tailFile(path, 0), '');
  assert.equal(tailFile(path, Infinity), log.join('\n'));
});
