import assert from 'node:assert/strict';
import { execa } from 'execa';
import { test } from 'node:test';
import { bin } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';
import { databases, uniqueName } from './replicator-support.ts';

test(
  "events tail prints in the leader's commit order: a parent before its children, commit times never going back",
  { timeout: 120_000 },
  async () => {
    const config = await ensureStack();
    const dbs = databases(config);
    const s = uniqueName('tail');
    try {
      await dbs.leader.unsafe(
        `create schema ${s}; create table ${s}.parent (id int primary key); create table ${s}.child (id int primary key, parent int)`,
      );
      // Each transaction writes the child table first in name order but the parent first in time.
      for (let i = 1; i <= 20; i++) {
        await dbs.leader.begin(async (tx) => {
          await tx.unsafe(`insert into ${s}.parent values (${i})`);
          await tx.unsafe(`insert into ${s}.child values (${i * 10}, ${i}), (${i * 10 + 1}, ${i})`);
        });
      }
      const child = execa(bin, ['events', 'tail', '--from-beginning', '--json'], {
        env: { NO_COLOR: '1' },
        reject: false,
        buffer: false,
      });
      const mine: { table: string; id: number; ts: number }[] = [];
      let rest = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${mine.length} of 60 events within 60 s`)), 60_000);
        child.stdout!.on('data', (chunk: Buffer) => {
          const lines = (rest + chunk.toString()).split('\n');
          rest = lines.pop()!;
          for (const line of lines) {
            const e = JSON.parse(line);
            if (e.source?.schema !== s) continue;
            mine.push({ table: e.source.table, id: e.after.id, ts: e.source.ts_ms });
          }
          if (mine.length >= 60) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill('SIGINT');
      await child;
      for (let i = 0; i < mine.length; i += 3) {
        const parent = i / 3 + 1;
        assert.deepEqual(
          mine.slice(i, i + 3).map((e) => `${e.table} ${e.id}`),
          [`parent ${parent}`, `child ${parent * 10}`, `child ${parent * 10 + 1}`],
        );
      }
      for (let i = 1; i < mine.length; i++) assert.ok(mine[i].ts >= mine[i - 1].ts, `commit time went back at event ${i}`);
    } finally {
      await dbs.leader.unsafe(`drop schema ${s} cascade`);
      await dbs.end();
    }
  },
);
