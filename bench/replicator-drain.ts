/**
 * Drain benchmark: pre-load change events with every consumer stopped, then time how fast each system applies
 * them to every replica, in the same run and on the same servers:
 *   - cqrsctl's replicator (whole leader transactions, in commit order, into the replicas' own database);
 *   - PostgreSQL's native logical replication: one publication, one subscription per replica (into a fresh
 *     database on each replica server), created disabled before the changes so their slots keep them;
 *   - Debezium's JDBC sink connector, one per replica, upsert and delete enabled, into fresh databases.
 * Prints events/s for each, the ratios, and over `--runs N` the median and spread (lowest–highest) of each
 * figure and each ratio, with the goals and whether they are met.
 *
 *   node --import tsx bench/replicator-drain.ts [--runs 3] [--systems replicator,native,jdbc] [--replicators 1,2,3]
 *   (BENCH_EVENTS=300000 by default)
 *
 * It drains from the running stack's change topic as made: for 1, 3 and 6 partitions, run it on stacks made with
 * `up --partitions P` (bench/drain-partitions.sh does the three in turn).
 *
 * The JDBC sink needs key and value schemas in its messages, which cqrsctl's connector leaves out (they are
 * most of each message); so the same changes are captured twice, by a second source connector with schemas
 * on, and each sink drains the encoding it is meant for. The JDBC sink plugin comes from
 * bench/jdbc-sink.pom.xml and runs on a second Connect worker started here.
 *
 * --replicators runs cqrsctl's side as that many `cqrsctl replicate` processes sharing the replicas (run k uses
 * the k-th count of the list, cycling), timed from their start until every replica holds every event, and
 * prints the figures per count; without it the replicator runs in this process.
 */
import { execa } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import { connectClientOf, ConnectClient } from '../src/connect/client.ts';
import { waitForRunning } from '../src/connect/register.ts';
import { connectorConfig } from '../src/connect/template.ts';
import { stopPid } from '../src/process/daemon.ts';
import { changeTopics, logEnds } from '../src/replicator/kafka.ts';
import { createKafka } from '../src/lib/kafka-client.ts';
import { Replicator } from '../src/replicator/replicator.ts';
import { JavaService } from '../src/runtime/native/java-service.ts';
import { layout } from '../src/runtime/native/layout.ts';
import { connectAnswers } from '../src/runtime/probes.ts';
import { pgClient } from '../src/pg/client.ts';
import { waitUntil } from '../src/lib/wait.ts';
import { appPid, startApps } from '../src/stack/apps.ts';
import { formatSpread, runsFlag, spread, verdict } from './runs.ts';

const config = loadConfig();
const s = config.settings;
const args = process.argv.slice(2);
const total = Number(process.env.BENCH_EVENTS ?? 300_000);
const perTable = Math.floor(total / 3);
const runs = runsFlag(args, 3);
const systemsFlag = args.includes('--systems') ? args[args.indexOf('--systems') + 1] : 'replicator,native,jdbc';
const systems = new Set(systemsFlag.split(','));
const replicatorCounts = args.includes('--replicators') ? args[args.indexOf('--replicators') + 1].split(',').map(Number) : [];
if (replicatorCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--replicators: a list of counts, e.g. 1,2,3');
for (const x of systems) if (!['replicator', 'native', 'jdbc'].includes(x)) throw new Error(`--systems: unknown system ${x}`);
const jdbcPrefix = 'benchjdbc';
const nativePrefix = 'benchnative';
const jdbcVersion = '3.6.0.Final';
const benchConnectUrl = `http://${s.host}:${s.connectPort + 1}`;
const pg = (e: typeof config.leader, database = e.database) => pgClient(e, { database });
const leader = pg(config.leader);
const kafka = createKafka(config, 'cqrsctl-bench');
const admin = kafka.admin();
const connect = connectClientOf(config);
const log = (line: string) => process.stderr.write(`${line}\n`);
const GOALS = { native: { goal: 1.0, stretch: 1.5 }, jdbc: { goal: 5 } };

/** One run's tables: fresh names, so a run never meets the previous one's rows, slots or topics. */
let id = '';
let tables: string[] = [];
const topicsOf = (prefix: string) => tables.map((t) => `${prefix}.public.${t}`);
/** cqrsctl's connector writes every table into the change topic (plus the transaction topic with several partitions); the JDBC sink's source, one topic per table. */
async function endsOf(prefix: string) {
  return logEnds(admin, prefix === jdbcPrefix ? topicsOf(prefix) : await changeTopics(admin, config));
}
const sumEnds = (ends: Map<string, bigint>) => Number([...ends.values()].reduce((a, b) => a + b, 0n));
const tableDdl = (t: string) => `create table ${t} (id bigint primary key, name text, amount numeric(12,2), ts timestamptz, payload jsonb)`;
const markerTable = () => `bench_${id}_done`;
const nativeSub = (i: number) => `${nativePrefix}_${id}_${i + 1}`;

/** Inserts, updates and deletes: half the events are inserts, 30 % updates, 20 % deletes, in 10k-row transactions. */
async function generate(): Promise<void> {
  const inserts = Math.floor(perTable * 0.5);
  const updates = Math.floor(perTable * 0.3);
  const deletes = perTable - inserts - updates;
  for (const t of tables) {
    for (let from = 1; from <= inserts; from += 10_000) {
      const to = Math.min(inserts, from + 9_999);
      await leader.unsafe(`insert into ${t} select i, 'customer ' || i, (i % 1000) * 1.25, now(), jsonb_build_object('k', i, 'tags', jsonb_build_array('x', i % 7))
        from generate_series(${from}, ${to}) i`);
    }
    for (let from = 1; from <= updates; from += 10_000)
      await leader.unsafe(
        `update ${t} set amount = amount + 1, name = name || '!' where id between ${from} and ${Math.min(updates, from + 9_999)}`,
      );
    await leader.unsafe(`delete from ${t} where id > ${inserts - deletes}`);
  }
}

async function drainWithReplicator(): Promise<number> {
  const target = await endsOf(s.topicPrefix);
  const replicator = new Replicator(config, log);
  const started = Date.now();
  await replicator.start();
  await waitUntil(
    'replicator drain',
    async () => {
      const done = replicator.sinks.every((sink) => [...target].every(([tp, end]) => (sink.positions.get(tp)?.offset ?? -1n) >= end - 1n));
      return done ? true : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 50 },
  );
  const ms = Date.now() - started;
  await replicator.stop();
  return ms;
}

/** The same drain by `count` replicator processes (each `cqrsctl replicate`), done when every replica's recorded position is at the end. */
async function drainWithReplicatorProcesses(count: number): Promise<number> {
  const target = await endsOf(s.topicPrefix);
  const replicas = config.replicas.map((r) => pg(r));
  const started = Date.now();
  const members = Array.from({ length: count }, (_, i) =>
    execa(fileURLToPath(new URL('../bin/cqrsctl', import.meta.url)), ['replicate', '--as', `replicator-${i + 1}`], {
      reject: false,
      stdio: 'ignore',
    }),
  );
  try {
    await waitUntil(
      `${count} replicators' drain`,
      async () => {
        for (const sql of replicas) {
          const rows = await sql<{ topic: string; partition: number; offset: string }[]>`
            select topic, partition, "offset"::text from cqrsctl.applied_offsets`;
          for (const [tp, end] of target) {
            const row = rows.find((r) => `${r.topic}\u0000${r.partition}` === tp);
            if (!row || BigInt(row.offset) < end - 1n) return undefined;
          }
        }
        return true;
      },
      { timeoutMs: 600_000, intervalMs: 50 },
    );
    return Date.now() - started;
  } finally {
    for (const m of members) m.kill('SIGTERM');
    await Promise.all(members);
    await Promise.all(replicas.map((r) => r.end()));
  }
}

/** The drain only counts if it is right: every replica (in `database`, default its own) equals the leader on the bench tables. */
async function assertReplicasEqual(database?: string): Promise<void> {
  for (const t of tables) {
    const prints = await Promise.all(
      [config.leader, ...config.replicas].map(async (e, i) => {
        const sql = pg(e, i && database ? database : e.database);
        const [r] = await sql.unsafe(`select count(*) || ':' || md5(string_agg(t::text, '|' order by id)) as f from ${t} t`);
        await sql.end();
        return r.f as string;
      }),
    );
    if (prints.some((p) => p !== prints[0]))
      throw new Error(`${t}${database ? ` (${database})` : ''}: replicas differ from the leader after the drain (${prints.join(' ')})`);
  }
}

/**
 * Native logical replication, set up before the changes: a publication of the bench tables and a marker table,
 * and per replica a fresh database with the same tables and a disabled subscription whose slot (created now)
 * keeps every change from here on.
 */
async function prepareNative(): Promise<void> {
  await leader.unsafe(`create publication ${nativePrefix}_${id} for table ${[...tables, markerTable()].join(', ')}`);
  const conninfo = `host=${config.leader.host} port=${config.leader.port} dbname=${config.leader.database} user=${config.leader.user} password=${config.leader.password}`;
  await Promise.all(
    config.replicas.map(async (r, i) => {
      const server = pg(r, 'postgres');
      await server.unsafe('drop database if exists bench_native with (force)');
      await server.unsafe('create database bench_native');
      await server.end();
      const db = pg(r, 'bench_native');
      for (const t of [...tables, markerTable()]) await db.unsafe(tableDdl(t));
      await db.unsafe(
        `create subscription ${nativeSub(i)} connection '${conninfo}' publication ${nativePrefix}_${id} with (copy_data = false, enabled = false, create_slot = true, slot_name = '${nativeSub(i)}')`,
      );
      await db.end();
    }),
  );
}

/** Enables the subscriptions and waits for the marker row, committed on the leader after every bench change: apply is in commit order. */
async function drainWithNative(): Promise<number> {
  const dbs = config.replicas.map((r) => pg(r, 'bench_native'));
  try {
    const started = Date.now();
    await Promise.all(dbs.map((db, i) => db.unsafe(`alter subscription ${nativeSub(i)} enable`)));
    await waitUntil(
      'native logical replication drain',
      async () => {
        const seen = await Promise.all(dbs.map((db) => db.unsafe(`select 1 from ${markerTable()}`)));
        return seen.every((r) => r.length) ? true : undefined;
      },
      { timeoutMs: 900_000, intervalMs: 50 },
    );
    return Date.now() - started;
  } finally {
    await Promise.all(dbs.map((db) => db.end()));
  }
}

async function dropNative(): Promise<void> {
  for (const [i, r] of config.replicas.entries()) {
    const db = pg(r, 'bench_native');
    await db.unsafe(`drop subscription if exists ${nativeSub(i)}`).catch((e) => log(`subscription: ${e.message}`));
    await db.end();
    const server = pg(r, 'postgres');
    await server.unsafe('drop database if exists bench_native with (force)').catch(() => {});
    await server.end();
  }
  await leader.unsafe(`drop publication if exists ${nativePrefix}_${id}`);
}

async function startBenchWorker(): Promise<JavaService> {
  const paths = layout(config);
  const plugins = resolve(s.cache, `debezium-jdbc-${jdbcVersion}`, 'plugins');
  await execa('mvn', [
    '-q',
    '-B',
    '-f',
    fileURLToPath(new URL('./jdbc-sink.pom.xml', import.meta.url)),
    'package',
    `-Dcqrsctl.cache=${s.cache}`,
  ]);
  const worker = new JavaService(
    {
      name: 'bench-connect',
      mainClass: 'org.apache.kafka.connect.cli.ConnectDistributed',
      heap: '1g',
      files: {
        'connect.properties':
          [
            `bootstrap.servers=${config.brokers.join(',')}`,
            'group.id=cqrsctl-bench-connect',
            'key.converter=org.apache.kafka.connect.json.JsonConverter',
            'value.converter=org.apache.kafka.connect.json.JsonConverter',
            'config.storage.topic=cqrsctl_bench_configs',
            'offset.storage.topic=cqrsctl_bench_offsets',
            'status.storage.topic=cqrsctl_bench_statuses',
            'config.storage.replication.factor=1',
            'offset.storage.replication.factor=1',
            'status.storage.replication.factor=1',
            // Sink progress is read from the consumer groups' committed offsets: commit them every second.
            'offset.flush.interval.ms=1000',
            `listeners=${benchConnectUrl}`,
            `plugin.path=${plugins}`,
            'connector.client.config.override.policy=All',
          ].join('\n') + '\n',
      },
      args: ['{dir}/connect.properties'],
    },
    paths,
  );
  worker.start();
  await waitUntil(
    'bench Connect worker',
    async () => ((await connectAnswers({ ...config, connectUrl: benchConnectUrl }).catch(() => false)) ? true : undefined),
    {
      timeoutMs: 180_000,
      intervalMs: 500,
    },
  );
  return worker;
}

const jdbcSink = (i: number) => `bench-jdbc-sink-${id}-${i + 1}`;

async function drainWithJdbcSink(): Promise<number> {
  const target = await endsOf(jdbcPrefix);
  const bench = new ConnectClient(benchConnectUrl);
  for (const r of config.replicas) {
    const admin = pg(r, 'postgres');
    await admin.unsafe('drop database if exists bench_jdbc with (force)');
    await admin.unsafe('create database bench_jdbc');
    await admin.end();
  }
  const started = Date.now();
  await Promise.all(
    config.replicas.map((r, i) =>
      bench.putConfig(jdbcSink(i), {
        'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
        'tasks.max': '1',
        topics: topicsOf(jdbcPrefix).join(','),
        'connection.url': `jdbc:postgresql://${r.host}:${r.port}/bench_jdbc`,
        'connection.username': r.user,
        'connection.password': r.password,
        'insert.mode': 'upsert',
        'delete.enabled': 'true',
        'primary.key.mode': 'record_key',
        'schema.evolution': 'basic',
        'collection.name.format': '${source.table}',
        // Tuned as a user chasing throughput would: big batches, collapsing per key, UNNEST inserts.
        'batch.size': '5000',
        'consumer.override.max.poll.records': '5000',
        'use.reduction.buffer': 'true',
        'dialect.postgres.unnest.insert.enabled': 'true',
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable': 'true',
        'value.converter.schemas.enable': 'true',
      }),
    ),
  );
  await waitUntil(
    'JDBC sink drain',
    async () => {
      for (let i = 0; i < config.replicas.length; i++) {
        const st = await bench.status(jdbcSink(i)).catch(() => undefined);
        const failed = st?.tasks.find((t) => t.state === 'FAILED');
        if (failed) throw new Error(`${jdbcSink(i)} failed: ${failed.trace?.split('\n').slice(0, 3).join(' ')}`);
        const offsets = await admin.fetchOffsets({ groupId: `connect-${jdbcSink(i)}`, topics: topicsOf(jdbcPrefix) });
        for (const t of offsets)
          for (const p of t.partitions) if (BigInt(p.offset) < (target.get(`${t.topic}\u0000${p.partition}`) ?? 0n)) return undefined;
      }
      return true;
    },
    { timeoutMs: 1_800_000, intervalMs: 250 },
  );
  return Date.now() - started;
}

/** Events/s of each system in one run; `replicators`: how many replicator processes drained (absent: in-process). */
type Rates = Partial<Record<'replicator' | 'native' | 'jdbc' | 'replicators', number>>;

/** One run: fresh tables, the changes generated once, then each system drains them in turn. */
async function runOnce(run: number): Promise<Rates> {
  id = Date.now().toString(36);
  tables = ['a', 'b', 'c'].map((x) => `bench_${id}_${x}`);
  const events = tables.length * perTable;
  const rates: Rates = {};
  try {
    for (const t of [...tables, markerTable()]) await leader.unsafe(tableDdl(t));
    if (systems.has('jdbc')) {
      // The second source connector (schemas on, for the JDBC sink) streams the same tables from its own slot.
      await leader.unsafe(`create publication ${jdbcPrefix}_${id} for table ${tables.join(', ')}`);
      const base = connectorConfig(config, config.leader);
      await connect.putConfig(`bench-source-${id}`, {
        ...base,
        'topic.prefix': jdbcPrefix,
        'slot.name': `${jdbcPrefix}_${id}`,
        'publication.name': `${jdbcPrefix}_${id}`,
        'table.include.list': tables.map((t) => `public.${t}`).join(','),
        'schema.include.list': '',
        'snapshot.mode': 'no_data',
        // One topic per table and no transaction records: what the JDBC sink reads.
        transforms: '',
        'provide.transaction.metadata': 'false',
        'heartbeat.interval.ms': '0',
        'heartbeat.action.query': '',
        'key.converter.schemas.enable': 'true',
        'value.converter.schemas.enable': 'true',
      });
      await waitForRunning(connect, `bench-source-${id}`);
    }
    if (systems.has('native')) await prepareNative();
    log(`run ${run}: generating ${total} change events over ${tables.length} tables…`);
    const mineBefore = sumEnds(await endsOf(s.topicPrefix).catch(() => new Map()));
    await generate();
    await leader.unsafe(`insert into ${markerTable()} values (1, 'done', 0, now(), null)`);
    await waitUntil(
      'events in Kafka',
      async () => {
        const mine = sumEnds(await endsOf(s.topicPrefix).catch(() => new Map())) - mineBefore;
        const theirs = systems.has('jdbc') ? sumEnds(await endsOf(jdbcPrefix).catch(() => new Map())) : Infinity;
        return mine >= events && theirs >= events ? true : undefined;
      },
      { timeoutMs: 900_000, intervalMs: 1000 },
    );
    const report = (name: string, ms: number) => {
      log(
        `  ${name}: ${events} events into ${config.replicas.length} replicas in ${(ms / 1000).toFixed(1)} s = ${Math.round(events / (ms / 1000))} events/s`,
      );
      return events / (ms / 1000);
    };
    if (systems.has('replicator')) {
      const count = replicatorCounts.length ? replicatorCounts[(run - 1) % replicatorCounts.length] : undefined;
      log(`  draining with ${count === undefined ? 'the cqrsctl replicator' : `${count} cqrsctl replicate processes`}…`);
      rates.replicator = report(
        count === undefined ? 'cqrsctl replicator' : `${count} replicator process(es)`,
        count === undefined ? await drainWithReplicator() : await drainWithReplicatorProcesses(count),
      );
      if (count !== undefined) rates.replicators = count;
      await assertReplicasEqual();
    }
    if (systems.has('native')) {
      log('  draining with PostgreSQL logical replication…');
      rates.native = report('native logical replication', await drainWithNative());
      await assertReplicasEqual('bench_native');
    }
    if (systems.has('jdbc')) {
      log('  draining with the Debezium JDBC sink…');
      rates.jdbc = report('Debezium JDBC sink', await drainWithJdbcSink());
    }
    return rates;
  } finally {
    await cleanupRun();
  }
}

/** Leaves the stack as the run found it: bench tables, topics, connectors, slots, subscriptions and databases gone. */
async function cleanupRun() {
  const bench = new ConnectClient(benchConnectUrl);
  if (systems.has('jdbc')) for (let i = 0; i < config.replicas.length; i++) await bench.delete(jdbcSink(i)).catch(() => {});
  if (systems.has('native')) await dropNative();
  await connect.delete(`bench-source-${id}`).catch(() => {});
  await sleep(2000);
  await leader
    .unsafe(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '${jdbcPrefix}_${id}'`)
    .catch((e) => log(`slot: ${e.message}`));
  await leader.unsafe(`drop publication if exists ${jdbcPrefix}_${id}`);
  // The replicas drop the bench tables when the replicator applies the leader's DROP TABLE.
  for (const t of [...tables, markerTable()]) await leader.unsafe(`drop table if exists ${t}`);
  for (const e of config.replicas) {
    const server = pg(e, 'postgres');
    await server.unsafe('drop database if exists bench_jdbc with (force)').catch(() => {});
    await server.end();
  }
  await admin.deleteTopics({ topics: topicsOf(jdbcPrefix) }).catch(() => {});
}

async function main() {
  await admin.connect();
  const replicatorPid = appPid(config, 'replicator');
  if (replicatorPid) await stopPid(replicatorPid, 30_000);
  let worker: JavaService | undefined;
  const all: Rates[] = [];
  try {
    if (systems.has('jdbc')) {
      log('starting a Connect worker with the JDBC sink plugin…');
      worker = await startBenchWorker();
    }
    for (let run = 1; run <= runs; run++) all.push(await runOnce(run));
  } finally {
    await worker?.stop();
    await admin.disconnect();
    await leader.end();
    startApps(config);
  }
  summarize(all);
}

function summarize(all: Rates[]) {
  const events = 3 * perTable;
  const of = (k: keyof Rates) => all.map((r) => r[k]).filter((v): v is number => v !== undefined);
  const line = (name: string, values: number[]) => console.log(`  ${name.padEnd(28)} ${formatSpread(spread(values))} events/s`);
  console.log(
    `\nDrain of ${events.toLocaleString('en')} change events (50/30/20 insert/update/delete, 10k-row transactions) into ${config.replicas.length} replicas from ${s.partitions} change partition(s), ${all.length} run(s): median (lowest–highest)`,
  );
  if (of('replicator').length) line('cqrsctl replicator', of('replicator'));
  for (const n of new Set(of('replicators'))) {
    const mine = all.filter((r) => r.replicators === n);
    const ratios = mine.filter((r) => r.native).map((r) => r.replicator! / r.native!);
    console.log(
      `    with ${n} replicator process(es): ${formatSpread(spread(mine.map((r) => r.replicator!)))} events/s` +
        (ratios.length ? `, ÷ native ${formatSpread(spread(ratios), 2)}×` : ''),
    );
  }
  if (of('native').length) line('native logical replication', of('native'));
  if (of('jdbc').length) line('Debezium JDBC sink', of('jdbc'));
  const json: Record<string, unknown> = { events, replicas: config.replicas.length, partitions: s.partitions, runs: all.length };
  for (const k of ['replicator', 'native', 'jdbc'] as const) if (of(k).length) json[`${k}EventsPerSec`] = spread(of(k).map(Math.round));
  for (const base of ['native', 'jdbc'] as const) {
    const ratios = all.filter((r) => r.replicator && r[base]).map((r) => r.replicator! / r[base]!);
    if (!ratios.length) continue;
    const sp = spread(ratios);
    const g = GOALS[base];
    const stretch = 'stretch' in g ? `, stretch ≥ ${g.stretch}×: ${verdict(sp.median, g.stretch)}` : '';
    console.log(
      `  replicator ÷ ${base === 'native' ? 'native logical replication' : 'Debezium JDBC sink'}: ${formatSpread(sp, 2)}× (same-run ratios) — goal ≥ ${g.goal}×: ${verdict(sp.median, g.goal)}${stretch}`,
    );
    json[`ratioVs${base === 'native' ? 'Native' : 'Jdbc'}`] = { ...sp, perRun: ratios.map((r) => Number(r.toFixed(2))) };
  }
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

await main();
