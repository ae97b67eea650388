import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pgClient } from '../../src/pg/client.ts';
import { waitUntil } from '../../src/lib/wait.ts';
import { cli } from '../helpers/cli.ts';
import { ensureStack } from '../helpers/stack.ts';

// Real dead letters: a captured table whose copy on replica-2 gets a CHECK constraint the leader does not
// have, so replica-2 rejects some of the leader's changes (and applies the rest); dropping the constraint
// is the fix that makes them replayable.
const table = `dlq_t_${randomBytes(4).toString('hex')}`;
const config = await ensureStack();
const leader = pgClient(config.leader);
const replica2 = pgClient(config.replicas[1]);
const rowsOf = async (db: typeof leader) =>
  (await db.unsafe(`select t::text as row from public.${table} t order by id`)).map((r) => r.row as string);
const json = async (args: string[]) => {
  const r = await cli([...args, '--json']);
  return { ...r, body: r.stdout ? JSON.parse(r.stdout) : undefined };
};
const mine = ['--table', table, '--replica', 'replica-2'];

before(async () => {
  await leader.unsafe(`create table public.${table} (id int primary key, v text, n int)`);
  await waitUntil(`${table} on replica-2`, async () => (await replica2`select to_regclass(${`public.${table}`}) as t`)[0].t ?? undefined, {
    timeoutMs: 60_000,
  });
  await replica2.unsafe(`alter table public.${table} add constraint no_bad check (v not like 'bad%')`);
  // 1: an insert rejected. 2: an update rejected. 3: rejected, then a newer change of the row applied (the
  // letter is superseded). 4: rejected, then changed on the leader and the replica's copy changed by hand
  // (replaying it cannot make the row equal the leader's).
  await leader.unsafe(`insert into public.${table} values (1, 'bad', 1), (2, 'ok', 2), (3, 'bad', 3), (4, 'bad', 4)`);
  await leader.unsafe(`update public.${table} set v = 'bad2' where id = 2`);
  await leader.unsafe(`update public.${table} set v = 'fine', n = 30 where id = 3`);
  await leader.unsafe(`update public.${table} set v = 'good' where id = 4`);
  await waitUntil('rows 2, 3 and 4 on replica-2', async () => ((await rowsOf(replica2)).length === 3 ? true : undefined), {
    timeoutMs: 60_000,
  });
  await replica2.unsafe(`update public.${table} set v = 'by hand' where id = 4`);
});

after(async () => {
  await leader.unsafe(`drop table if exists public.${table}`);
  await Promise.all([leader.end(), replica2.end()]);
});

describe('dlq list and replay', { timeout: 300_000 }, () => {
  it('lists the letters with reason, replica, source position and LSN, table, key and time', async () => {
    const r = await json(['dlq', 'list', ...mine]);
    assert.equal(r.exitCode, 0, r.stderr);
    const letters = r.body.letters as Record<string, unknown>[];
    assert.deepEqual(
      letters.map((l) => JSON.parse(l.key as string).id),
      [1, 3, 4, 2],
      'in the order replica-2 met them',
    );
    for (const l of letters) {
      assert.equal(l.replica, 'replica-2');
      assert.equal(l.table, `public.${table}`);
      assert.match(l.reason as string, /cannot apply: 23514: .*violates check constraint "no_bad"/);
      assert.equal(l.topic, 'leader.changes');
      assert.equal(l.partition, 0);
      assert.match(l.offset as string, /^\d+$/);
      assert.match(l.lsn as string, /^[0-9A-F]+\/[0-9A-F]+$/);
      assert.ok(!Number.isNaN(Date.parse(l.deadAt as string)));
      assert.equal(l.replayedAt, null);
    }
    const offsets = letters.map((l) => BigInt(l.offset as string));
    assert.deepEqual(
      [...offsets].sort((a, b) => (a < b ? -1 : 1)),
      offsets,
    );

    const text = await cli(['dlq', 'list', '--table', `public.${table}`]);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, /REPLICA.*TABLE.*KEY.*SOURCE.*LSN.*TIME/);
    assert.equal(text.stdout.split('\n').filter((l) => l.includes(`public.${table}`) && l.includes('replica-2')).length, 4);
    assert.match(text.stdout, /violates check constraint "no_bad"/);

    for (const other of [
      ['--table', table, '--replica', 'replica-1'],
      ['--table', `${table}_none`, '--replica', 'replica-2'],
    ]) {
      const none = await json(['dlq', 'list', ...other]);
      assert.equal(none.exitCode, 0);
      assert.deepEqual(none.body.letters, []);
    }
  });

  it('replays nothing while the cause is not fixed', async () => {
    const r = await json(['dlq', 'replay', ...mine]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.equal(r.body.applied, 0);
    const byId = outcomes(r.body.letters);
    assert.equal(byId.get(1), 'failed');
    assert.equal(byId.get(2), 'failed');
    assert.equal(byId.get(3), 'superseded', 'row 3 already equals the leader, whatever the constraint');
    assert.equal((await json(['dlq', 'list', ...mine])).body.letters.length, 3);
  });

  it('after the fix, replays in order through the apply path, verifies the rows and never replays twice', async () => {
    await replica2.unsafe(`alter table public.${table} drop constraint no_bad`);
    const r = await json(['dlq', 'replay', ...mine]);
    assert.equal(r.exitCode, 1, 'row 4 stays pending');
    const byId = outcomes(r.body.letters);
    assert.deepEqual(Object.fromEntries(byId), { 1: 'applied', 2: 'applied', 4: 'differs' });
    const four = r.body.letters.find((l: { key: string }) => JSON.parse(l.key).id === 4);
    assert.match(four.detail, /columns v.*verify-replicas --repair --table public\./);
    assert.deepEqual(r.body, { ...r.body, applied: 2, superseded: 0, pending: 1 });

    const [ours, theirs] = [await rowsOf(leader), await rowsOf(replica2)];
    assert.deepEqual(theirs.slice(0, 3), ours.slice(0, 3), 'rows 1-3 equal the leader, as text');
    assert.deepEqual(ours.slice(0, 3), ['(1,bad,1)', '(2,bad2,2)', '(3,fine,30)']);
    assert.equal(theirs[3], '(4,"by hand",4)', 'row 4 untouched: its letter was not applied');

    const again = await json(['dlq', 'replay', ...mine]);
    assert.equal(again.exitCode, 1);
    assert.deepEqual(Object.fromEntries(outcomes(again.body.letters)), { 4: 'differs' }, 'nothing replayed twice');
    assert.deepEqual(await rowsOf(replica2), theirs);

    const all = await json(['dlq', 'list', ...mine, '--all']);
    assert.deepEqual(
      all.body.letters.map((l: { key: string; replayOutcome: string | null }) => [JSON.parse(l.key).id, l.replayOutcome]),
      [
        [1, 'applied'],
        [3, 'superseded'],
        [4, null],
        [2, 'applied'],
      ],
    );
  });

  it('a row repaired from the leader makes its letter superseded; then nothing is pending', async () => {
    await replica2.unsafe(`update public.${table} set v = 'good' where id = 4`);
    const r = await json(['dlq', 'replay', ...mine]);
    assert.equal(r.exitCode, 0, r.stdout);
    assert.deepEqual(Object.fromEntries(outcomes(r.body.letters)), { 4: 'superseded' });
    const text = await cli(['dlq', 'replay', ...mine]);
    assert.equal(text.exitCode, 0);
    assert.match(text.stdout, /No pending dead letters to replay/);
    assert.deepEqual(await rowsOf(replica2), await rowsOf(leader));
  });

  it('rejects bad usage with exit 2 and a hint', async () => {
    for (const args of [
      ['dlq', 'list', '--replica', 'replica-9'],
      ['dlq', 'replay', '--replica', 'replica-9'],
      ['dlq', 'replay', '--wait', 'soon'],
      ['dlq'],
      ['dlq', 'list', '--bogus'],
    ]) {
      const r = await cli(args);
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.match((await cli(['dlq', 'list', '--replica', 'replica-9'])).stderr, /unknown replica "replica-9"[\s\S]*replica-1/);
  });
});

function outcomes(letters: { key: string; outcome: string }[]): Map<number, string> {
  return new Map(letters.map((l) => [JSON.parse(l.key).id as number, l.outcome]));
}
