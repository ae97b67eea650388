import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/config/config.ts';
import { ensureStack } from '../helpers/stack.ts';
import { assertNoTornReads, assertSchemaMirrored, databases, killReplicator, transfersWhile } from './replicator-support.ts';

let config: Config;
let dbs: ReturnType<typeof databases>;
const started = new Date();
before(async () => {
  config = await ensureStack();
  dbs = databases(config);
});
after(() => dbs.end());

test(
  'a reader of a replica never sees half of a leader transaction: transfers across two tables, read continuously, across kill -9 of the replicator',
  { timeout: 300_000 },
  async (t) => {
    const seen = await transfersWhile(dbs, async () => {
      for (let kill = 0; kill < 2; kill++) {
        await sleep(4000);
        await killReplicator(config);
      }
      await sleep(4000);
    });
    assertNoTornReads(t, seen, { transfers: 500, reads: 300 });
    await assertSchemaMirrored(dbs, seen.bank, 'transfers', started);
  },
);
