/**
 * Drain benchmark: pre-load change events with the replicator stopped, then time how fast they are applied
 * to every replica — by cqrsctl's replicator, and by Debezium's JDBC sink connector (one per replica, upsert
 * and delete enabled, into fresh databases). Prints events/s for each and the ratio.
 *
 *   node --import tsx bench/replicator-drain.ts            (BENCH_EVENTS=300000 by default)
 *
 * The JDBC sink needs key and value schemas in its messages, which cqrsctl's connector leaves out (they are
 * most of each message); so the same changes are captured twice, by a second source connector with schemas
 * on, and each sink drains the encoding it is meant for. The JDBC sink plugin comes from
 * bench/jdbc-sink.pom.xml and runs on a second Connect worker started here.
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
import { logEnds } from '../src/replicator/kafka.ts';
import { createKafka } from '../src/lib/kafka-client.ts';
import { changeTopic } from '../src/replicator/topics.ts';
import { Replicator } from '../src/replicator/replicator.ts';
import { JavaService } from '../src/runtime/native/java-service.ts';
import { layout } from '../src/runtime/native/layout.ts';
import { connectAnswers } from '../src/runtime/probes.ts';
import { pgClient } from '../src/pg/client.ts';
import { waitUntil } from '../src/lib/wait.ts';
import { appPid, startApps } from '../src/stack/apps.ts';

const config = loadConfig();
const s = config.settings;
const total = Number(process.env.BENCH_EVENTS ?? 300_000);
const perTable = Math.floor(total / 3);
const id = Date.now().toString(36);
const tables = ['a', 'b', 'c'].map((x) => `bench_${id}_${x}`);
const jdbcPrefix = 'benchjdbc';
const jdbcVersion = '3.6.0.Final';
const benchConnectUrl = `http://${s.host}:${s.connectPort + 1}`;
const pg = (e: typeof config.leader, database = e.database) => pgClient(e, { database });
const leader = pg(config.leader);
const kafka = createKafka(config, 'cqrsctl-bench');
const admin = kafka.admin();
const connect = connectClientOf(config);
const log = (line: string) => process.stderr.write(`${line}\n`);

const topicsOf = (prefix: string) => tables.map((t) => `${prefix}.public.${t}`);
/** cqrsctl's connector writes every table into the one change topic; the JDBC sink's source, one topic per table. */
async function endsOf(prefix: string) {
  return logEnds(admin, prefix === jdbcPrefix ? topicsOf(prefix) : [changeTopic(config)]);
}
const sumEnds = (ends: Map<string, bigint>) => Number([...ends.values()].reduce((a, b) => a + b, 0n));

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

/** The drain only counts if it is right: every replica equals the leader on the bench tables. */
async function assertReplicasEqual(): Promise<void> {
  for (const t of tables) {
    const prints = await Promise.all(
      [config.leader, ...config.replicas].map(async (e) => {
        const sql = pg(e);
        const [r] = await sql.unsafe(`select count(*) || ':' || md5(string_agg(t::text, '|' order by id)) as f from ${t} t`);
        await sql.end();
        return r.f as string;
      }),
    );
    if (prints.some((p) => p !== prints[0])) throw new Error(`${t}: replicas differ from the leader after the drain (${prints.join(' ')})`);
  }
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
      bench.putConfig(`bench-jdbc-sink-${i + 1}`, {
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
      for (let i = 1; i <= config.replicas.length; i++) {
        const st = await bench.status(`bench-jdbc-sink-${i}`).catch(() => undefined);
        const failed = st?.tasks.find((t) => t.state === 'FAILED');
        if (failed) throw new Error(`bench-jdbc-sink-${i} failed: ${failed.trace?.split('\n').slice(0, 3).join(' ')}`);
        const offsets = await admin.fetchOffsets({ groupId: `connect-bench-jdbc-sink-${i}`, topics: topicsOf(jdbcPrefix) });
        for (const t of offsets)
          for (const p of t.partitions) if (BigInt(p.offset) < (target.get(`${t.topic}\u0000${p.partition}`) ?? 0n)) return undefined;
      }
      return true;
    },
    { timeoutMs: 1_800_000, intervalMs: 250 },
  );
  return Date.now() - started;
}

async function main() {
  await admin.connect();
  const replicatorPid = appPid(config, 'replicator');
  if (replicatorPid) await stopPid(replicatorPid, 30_000);
  let worker: JavaService | undefined;
  try {
    for (const t of tables)
      await leader.unsafe(`create table ${t} (id bigint primary key, name text, amount numeric(12,2), ts timestamptz, payload jsonb)`);
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
    log(`generating ${total} change events over ${tables.length} tables…`);
    const mineBefore = sumEnds(await endsOf(s.topicPrefix).catch(() => new Map()));
    await generate();
    await waitUntil(
      'events in Kafka',
      async () => {
        const mine = sumEnds(await endsOf(s.topicPrefix).catch(() => new Map())) - mineBefore;
        const theirs = sumEnds(await endsOf(jdbcPrefix).catch(() => new Map()));
        return mine >= tables.length * perTable && theirs >= tables.length * perTable ? true : undefined;
      },
      { timeoutMs: 900_000, intervalMs: 1000 },
    );
    log('draining with the cqrsctl replicator…');
    const mineMs = await drainWithReplicator();
    const events = tables.length * perTable;
    const mineRate = events / (mineMs / 1000);
    await assertReplicasEqual();
    log(
      `cqrsctl replicator: ${events} events into ${config.replicas.length} replicas in ${(mineMs / 1000).toFixed(1)} s = ${Math.round(mineRate)} events/s`,
    );
    log('starting a Connect worker with the JDBC sink plugin…');
    worker = await startBenchWorker();
    log('draining with the Debezium JDBC sink…');
    const jdbcMs = await drainWithJdbcSink();
    const jdbcRate = events / (jdbcMs / 1000);
    log(
      `Debezium JDBC sink: ${events} events into ${config.replicas.length} replicas in ${(jdbcMs / 1000).toFixed(1)} s = ${Math.round(jdbcRate)} events/s`,
    );
    process.stdout.write(
      `${JSON.stringify({ events, replicas: config.replicas.length, replicatorEventsPerSec: Math.round(mineRate), jdbcSinkEventsPerSec: Math.round(jdbcRate), ratio: Number((mineRate / jdbcRate).toFixed(1)) })}\n`,
    );
  } finally {
    await cleanup(worker);
  }
}

/** Leaves the stack as it was: bench tables, topics, connectors, slot and databases gone; the replicator app back. */
async function cleanup(worker: JavaService | undefined) {
  const bench = new ConnectClient(benchConnectUrl);
  for (let i = 1; i <= config.replicas.length; i++) await bench.delete(`bench-jdbc-sink-${i}`).catch(() => {});
  await worker?.stop();
  await connect.delete(`bench-source-${id}`).catch(() => {});
  await sleep(2000);
  await leader
    .unsafe(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '${jdbcPrefix}_${id}'`)
    .catch((e) => log(`slot: ${e.message}`));
  await leader.unsafe(`drop publication if exists ${jdbcPrefix}_${id}`);
  // The replicas drop the bench tables when the replicator applies the leader's DROP TABLE.
  for (const t of tables) await leader.unsafe(`drop table if exists ${t}`);
  for (const e of config.replicas) {
    const server = pg(e, 'postgres');
    await server.unsafe('drop database if exists bench_jdbc with (force)').catch(() => {});
    await server.end();
  }
  await admin.deleteTopics({ topics: topicsOf(jdbcPrefix) }).catch(() => {});
  await admin.disconnect();
  await leader.end();
  startApps(config);
}

await main();
