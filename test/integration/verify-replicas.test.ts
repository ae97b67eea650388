import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { pgClient } from '../../src/pg/client.ts';
import { cli } from '../helpers/cli.ts';

// Tables live in a schema of their own that the CDC connector does not capture, created directly on the
// leader and on every replica: the running replicator neither fights nor repairs the injected divergence.
const config = loadConfig();
const schema = `verify_t_${randomBytes(4).toString('hex')}`;
const leader = pgClient(config.leader);
const replicas = config.replicas.map((r) => pgClient(r));
const everywhere = (statement: string) => Promise.all([leader, ...replicas].map((db) => db.unsafe(statement)));

// One row per non-key column; on replica-1 row i gets a different value in column i only.
const roundTrip: [column: string, type: string, value: string, changed: string][] = [
  ['n38', 'numeric(38,10)', '12345678901234567890.0123456789', 'n38 + 0.0000000001'],
  ['n', 'numeric', '1.5', '1.50'],
  ['d', 'double precision', '0.1', 'd + 1e-15'],
  ['tstz', 'timestamptz', `'2024-02-29 23:59:59.123456+05'`, `tstz + interval '1 microsecond'`],
  ['ts', 'timestamp', `'2024-01-01 00:00:00.5'`, `ts + interval '1 microsecond'`],
  ['dt', 'date', `'2024-12-31'`, 'dt + 1'],
  ['tm', 'time', `'23:59:59.999999'`, `tm - interval '1 microsecond'`],
  ['iv', 'interval', `'1 year 2 days 03:04:05.678'`, `iv + interval '1 microsecond'`],
  ['jb', 'jsonb', `'{"a": [1, 2.50, null], "b": "x"}'`, `jb || '{"c": 1}'`],
  ['js', 'json', `'{"a": 1}'`, `'{"a":1}'`],
  ['id_u', 'uuid', `'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'`, `'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'`],
  ['bin', 'bytea', `'\\x00ff10'`, `bin || '\\x00'::bytea`],
  ['ints', 'int[]', `'{1,NULL,3}'`, `'{1,NULL,4}'`],
  ['texts', 'text[]', `'{"a b",NULL,"c\\"d"}'`, `'{"a b",NULL,"c\\"e"}'`],
  ['flag', 'boolean', 'true', 'not flag'],
  ['txt', 'text', `E'tab\\there\\nquote'' 😀'`, `txt || ' '`],
  ['ch', 'char(5)', `'ab'`, `'abc'`],
  ['vc', 'varchar(20)', `'hello'`, `'hellO'`],
];

const json = async (args: string[]) => {
  const r = await cli(['verify-replicas', '--json', ...args]);
  return { ...r, report: r.stdout ? JSON.parse(r.stdout) : undefined };
};
const t = (name: string) => ['--table', `${schema}.${name}`];

before(async () => {
  await everywhere(`create schema ${schema}`);
  const columns = roundTrip.map(([c, type]) => `${c} ${type}`).join(', ');
  const values = roundTrip.map(([, , v]) => v).join(', ');
  await everywhere(`
    create table ${schema}.rt (k int primary key, ${columns});
    insert into ${schema}.rt select g, ${values} from generate_series(1, ${roundTrip.length + 10}) g;
    create table ${schema}."odd; name" ("Key A" text, "k;2" int, "the value" text, primary key ("Key A", "k;2"));
    insert into ${schema}."odd; name" select 'a "' || g, g % 3, 'v' || g from generate_series(1, 50) g;
    create table ${schema}.nokey (a int, b text);
    insert into ${schema}.nokey select g % 5, 'b' from generate_series(1, 20) g;
    create table ${schema}.cols (id bigint primary key, a text, c int);
    insert into ${schema}.cols select g, 'a' || g, g from generate_series(1, 100) g;
    create table ${schema}.big (id bigint primary key, v text, at timestamptz, amount numeric(12,2));
    insert into ${schema}.big select g, md5(g::text), '2024-01-01'::timestamptz + g * interval '1 minute', g / 100.0 from generate_series(1, 200000) g;
    analyze ${schema}.big;`);
});

after(async () => {
  await everywhere(`drop schema if exists ${schema} cascade`);
  await Promise.all([leader, ...replicas].map((db) => db.end()));
});

describe('verify-replicas', { timeout: 300_000 }, () => {
  it('exits 0 when every replica equals the leader, including a 200,000-row table', async () => {
    const r = await json([...t('rt'), ...t('odd; name'), ...t('nokey'), ...t('cols'), ...t('big')]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.report.verdict, 'equal');
    assert.equal(r.report.tables.length, 5 * config.replicas.length);
    assert.ok(r.report.tables.every((d: { state: string }) => d.state === 'equal'));
  });

  it('finds every injected divergence exactly, and nothing else', async () => {
    const [r1, r2, r3] = replicas;
    for (const [i, [column, , , changed]] of roundTrip.entries())
      await r1.unsafe(`update ${schema}.rt set ${column} = ${changed} where k = ${i + 1}`);
    await r1.unsafe(`delete from ${schema}.rt where k = ${roundTrip.length + 1};
      insert into ${schema}.rt (k) values (1000);
      update ${schema}.rt set k = 2000 where k = ${roundTrip.length + 2};
      update ${schema}."odd; name" set "the value" = 'changed' where "Key A" = 'a "7' and "k;2" = 1;
      delete from ${schema}.nokey where ctid = (select ctid from ${schema}.nokey where a = 3 limit 1);
      update ${schema}.big set v = 'x' where id = 123456;`);
    await r2.unsafe(`create table ${schema}.only_here (id int primary key); insert into ${schema}.only_here values (1)`);
    await r3.unsafe(`alter table ${schema}.cols drop column c`);
    await leader.unsafe(
      `create table ${schema}.only_leader (id int primary key, v text); insert into ${schema}.only_leader values (1, 'one'), (2, NULL)`,
    );

    const r = await json([...t('rt'), ...t('odd; name'), ...t('nokey'), ...t('cols'), ...t('big'), ...t('only_here'), ...t('only_leader')]);
    assert.equal(r.exitCode, 1, r.stderr);
    const diverged = r.report.tables.filter((d: { state: string }) => d.state !== 'equal');
    const at = (table: string, replica: string) =>
      diverged.find((d: { table: string; replica: string }) => d.table === `${schema}.${table}` && d.replica === replica);

    const rt = at('rt', 'replica-1');
    assert.deepEqual(
      rt.samples.changed,
      roundTrip.map(([column], i) => ({ key: { k: String(i + 1) }, columns: [column] })),
    );
    assert.deepEqual(rt.samples.missing, [{ k: String(roundTrip.length + 1) }, { k: String(roundTrip.length + 2) }]);
    assert.deepEqual(rt.samples.extra, [{ k: '1000' }, { k: '2000' }]);
    assert.deepEqual(at('odd; name', 'replica-1').samples.changed, [{ key: { 'Key A': 'a "7', 'k;2': '1' }, columns: ['the value'] }]);
    const nokey = at('nokey', 'replica-1');
    assert.equal(nokey.keyless, true);
    assert.deepEqual([nokey.missing, nokey.extra, nokey.samples.missing], [1, 0, [{ a: '3', b: 'b' }]]);
    assert.deepEqual(at('big', 'replica-1').samples.changed, [{ key: { id: '123456' }, columns: ['v'] }]);
    assert.equal(at('only_here', 'replica-2').state, 'extra-table');
    const cols = at('cols', 'replica-3');
    assert.deepEqual(cols.schema.missingColumns, ['c']);
    assert.deepEqual([cols.missing, cols.extra, cols.changed], [0, 0, 0]);
    for (const replica of config.replicas) assert.equal(at('only_leader', replica.name).state, 'missing-table');
    assert.equal(
      diverged.length,
      6 + config.replicas.length,
      JSON.stringify(diverged.map((d: { table: string; replica: string }) => `${d.table}@${d.replica}`)),
    );
  });

  it('--repair makes the replicas equal and the next run exits 0', async () => {
    const remaining = ['rt', 'odd; name', 'nokey', 'cols', 'big', 'only_leader'].flatMap(t);
    const repaired = await json([...remaining, ...t('only_here'), '--repair']);
    assert.equal(
      repaired.exitCode,
      0,
      repaired.stderr + JSON.stringify(repaired.report?.tables?.filter((d: { state: string }) => d.state !== 'equal')),
    );
    // Definitions are repaired per replica in one transaction (its entry names every table it covers), rows per table.
    const covered = new Set(
      repaired.report.repairs.flatMap((r: { table: string; replica: string }) => r.table.split(', ').map((x) => `${x}@${r.replica}`)),
    );
    const before = repaired.report.beforeRepair
      .filter((d: { state: string }) => d.state !== 'equal')
      .map((d: { table: string; replica: string }) => `${d.table}@${d.replica}`);
    assert.equal(before.length, 6 + config.replicas.length);
    assert.deepEqual(
      before.filter((x: string) => !covered.has(x)),
      [],
      'every diverged table has a repair',
    );
    assert.equal((await replicas[1]`select to_regclass(${`${schema}.only_here`}) as t`)[0].t, null);
    const again = await cli(['verify-replicas', ...remaining]);
    assert.equal(again.exitCode, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /equal the leader/);
  });

  it('names the valid tables and replicas when given unknown ones (exit 2)', async () => {
    const table = await cli(['verify-replicas', '--table', `${schema}.nope`]);
    assert.equal(table.exitCode, 2);
    assert.match(table.stderr, /unknown table ".*\.nope"/);
    assert.match(table.stderr, new RegExp(`${schema}\\.rt`));
    const replica = await cli(['verify-replicas', '--replica', 'replica-99']);
    assert.equal(replica.exitCode, 2);
    assert.match(replica.stderr, /unknown replica "replica-99".*\n.*replica-1/);
  });

  it("--wait waits until the replicator's watermark passes the leader's position, then compares", async () => {
    const r = await cli(['verify-replicas', '--wait=60s', '--json', ...t('rt')]);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.verdict, 'equal');
    assert.deepEqual(
      report.lag.map((l: { replica: string; behindBytes: number }) => [l.replica, l.behindBytes]),
      config.replicas.map((r) => [r.name, 0]),
    );
  });

  it('--repair mends an enum column whose type the replica lost, and a refusal by the replica is an error naming it (exit 2)', async () => {
    await everywhere(`
      create type ${schema}.mood as enum ('sad', 'ok', 'happy');
      create table ${schema}.moods (id int primary key, m ${schema}.mood, ms ${schema}.mood[]);
      insert into ${schema}.moods select g, 'ok', '{sad,happy}' from generate_series(1, 20) g;
      create table ${schema}.refusing (id int primary key, v int);
      insert into ${schema}.refusing values (1, 50)`);
    await replicas[0].unsafe(`
      alter table ${schema}.moods alter m type text, alter ms type text[];
      drop type ${schema}.mood;
      update ${schema}.moods set m = 'sad' where id = 3;
      delete from ${schema}.refusing;
      create function ${schema}.refuse() returns trigger language plpgsql as $$ begin raise exception 'replica-1 takes no rows'; end $$;
      create trigger refuse before insert on ${schema}.refusing for each row execute function ${schema}.refuse();
      alter table ${schema}.refusing enable always trigger refuse`);

    const mended = await json([...t('moods'), '--repair']);
    assert.equal(mended.exitCode, 0, mended.stderr);
    assert.equal(mended.report.verdict, 'equal');
    const [{ type }] =
      await replicas[0]`select format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = ${`${schema}.moods`}::regclass and attname = 'm'`;
    assert.equal(type, `${schema}.mood`);

    const refused = await cli(['verify-replicas', ...t('refusing'), '--replica', 'replica-1', '--repair']);
    assert.equal(refused.exitCode, 2, refused.stderr);
    assert.match(refused.stderr, /^error: PostgreSQL at replica-1 \(127\.0\.0\.1:\d+\) answered P0001: replica-1 takes no rows/m);
    assert.match(refused.stderr, /^hint: /m);
    assert.doesNotMatch(refused.stderr, /internal error|This is a bug|at .*\.ts:\d+/);
  });
});
