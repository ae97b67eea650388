import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { readStackRecordIn, removeStackRecordIn, writeStackRecordIn } from '../../src/config/stack-record.ts';
import { selectRuntime } from '../../src/runtime/select.ts';

const autoIn = (home: string) => loadConfig({ env: { CQRSCTL_HOME: home, CQRSCTL_RUNTIME: 'auto' }, cwd: home });

test('after `down`, runtime auto keeps the runtime whose data the state dir holds; after `down --purge` it chooses afresh', async () => {
  const home = mkdtempSync(join(tmpdir(), 'cqrsctl-select-'));
  // An `up` that chose native (no engine answered then), followed by `down`: the stack record goes, the data stays.
  writeStackRecordIn(home, {
    runtime: 'native',
    reason: 'auto: no Docker engine answered, so native processes',
    since: new Date().toISOString(),
  });
  removeStackRecordIn(home, { purge: false });
  assert.equal(readStackRecordIn(home), undefined, 'down forgets the running stack');
  const kept = await selectRuntime(autoIn(home));
  assert.equal(kept.name, 'native');
  assert.equal(kept.reason, `auto: the data in ${home} belongs to the native runtime (kept by \`down\`; \`down --purge\` deletes it)`);

  removeStackRecordIn(home, { purge: true });
  assert.equal(existsSync(join(home, 'data.json')), false);
});
