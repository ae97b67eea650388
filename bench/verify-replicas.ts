/**
 * verify-replicas against a naive full compare, in the same run: a 1,000,000-row table of several column
 * types on the leader and every replica, (a) all equal, (b) one row changed on one replica. Prints the median
 * and spread (lowest–highest) of `--runs` runs' time and the bytes received from the databases for both, the
 * ratio of the medians, and the goals: ≥ 3× the naive compare in both cases, all equal ≤ 1.5 s on 1M rows.
 * Beside them, the scan floor: every database counting the table's rows at once (a sequential scan that reads
 * no column), which no compare of the same rows on the same cores can beat.
 * Uses the configured endpoints (CQRSCTL_*).
 *   node --import tsx bench/verify-replicas.ts [--rows N] [--runs 5] [--keep]
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { loadConfig } from '../src/config/load.ts';
import { silentProgress } from '../src/progress.ts';
import { openSession, type VerifySession } from '../src/verify/session.ts';
import { verifyReplicas } from '../src/verify/verify.ts';
import { formatSpread, runsFlag, spread, verdict } from './runs.ts';

const args = process.argv.slice(2);
const rows = Number(args[args.indexOf('--rows') + 1] || 0) || 1_000_000;
const keep = args.includes('--keep');
const config = loadConfig();
const schema = 'verify_bench';
const table = `${schema}.t`;
const all = [config.leader, ...config.replicas];

// Identical content everywhere, generated in place so that loading does not go through this process. The rows
// go in 100k at a time: the replicator applies each leader transaction as one replica transaction, and one of
// 1M rows takes it past the slow-replica limit (the replicas would be detached and the bench wait for them).
const CHUNK = 100_000;
const create = `
  drop schema if exists ${schema} cascade; create schema ${schema};
  create table ${table} (id bigint primary key, qty int, name text, price numeric(12,2), created timestamptz,
                         score double precision, active boolean, attrs jsonb, ref uuid);`;
const insertChunk = (from: number, to: number) => `
  insert into ${table} select g, g % 1000, 'customer ' || g || ' ' || md5(g::text), (g % 100000) / 100.0,
         '2024-01-01'::timestamptz + g * interval '1 second', g / 7.0, g % 2 = 0,
         jsonb_build_object('k', g, 'tag', 't' || (g % 10)), md5(g::text)::uuid
    from generate_series(${from}, ${to}) g`;
// Sets hint bits and the visibility map, so that whichever compare runs first does not pay for the load.
const settle = `vacuum ${table}`;
const RUNS = runsFlag(args, 5);
const GOAL_RATIO = 3;
const GOAL_EQUAL_SECONDS = 1.5;

async function withSessions<T>(run: (sessions: VerifySession[]) => Promise<T>): Promise<{ result: T; seconds: number; bytes: number }> {
  const sessions = all.map((e) => openSession(e, 1));
  try {
    const started = performance.now();
    const result = await run(sessions);
    return { result, seconds: (performance.now() - started) / 1000, bytes: sessions.reduce((n, s) => n + s.bytesReceived(), 0) };
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

/** The baseline: COPY every row of every database in key order and compare the replicas' lines to the leader's. */
async function naiveCompare(sessions: VerifySession[]): Promise<number> {
  const streams = await Promise.all(
    sessions.map((s) => s.sql.unsafe(`copy (select * from ${table} order by id) to stdout`).readable() as Promise<Readable>),
  );
  const lines = streams.map((s) => createInterface({ input: s, crlfDelay: Infinity })[Symbol.asyncIterator]());
  let differing = 0;
  for (;;) {
    const next = await Promise.all(lines.map((l) => l.next()));
    if (next.every((n) => n.done)) return differing;
    for (const n of next.slice(1)) if (n.value !== next[0].value) differing++;
  }
}

const verify = async () => {
  const r = await verifyReplicas(config, { tables: [table] }, silentProgress);
  return {
    seconds: r.ms / 1000,
    bytes: r.bytesReceived,
    result: r.tables.reduce((n, t) => n + t.changed.length + t.missing.length + t.extra.length, 0),
  };
};

/** The floor: each database scans the table once, in parallel, without looking at a column. */
const scanFloor = () =>
  withSessions(async (sessions) => {
    await Promise.all(sessions.map((s) => s.sql.unsafe(`select count(*) from ${table}`)));
    return 0;
  });

type Figures = { seconds: number; bytes: number; result: number };
/** RUNS runs of each, alternating (so that a noisy stretch of a shared machine hits both alike). */
async function measure(): Promise<{ ours: Figures[]; naive: Figures[]; floor: Figures[] }> {
  const ours: Figures[] = [];
  const naive: Figures[] = [];
  const floor: Figures[] = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(await verify());
    naive.push(await withSessions(naiveCompare));
    floor.push(await scanFloor());
  }
  return { ours, naive, floor };
}

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
const seconds = (f: Figures[]) => spread(f.map((x) => x.seconds));
function report(title: string, { ours, naive, floor }: { ours: Figures[]; naive: Figures[]; floor: Figures[] }, equalCase: boolean) {
  const [a, b, f] = [seconds(ours), seconds(naive), seconds(floor)];
  const ratio = b.median / a.median;
  console.log(`\n${title} — ${RUNS} runs, median (lowest–highest)`);
  console.log(
    `  cqrsctl verify-replicas  ${formatSpread(a, 2)} s  ${mb(ours[0].bytes)} received  (${ours[0].result} differing rows found)`,
  );
  console.log(
    `  naive COPY compare       ${formatSpread(b, 2)} s  ${mb(naive[0].bytes)} received  (${naive[0].result} differing lines found)`,
  );
  console.log(`  scan floor (count(*))    ${formatSpread(f, 2)} s  — verify-replicas takes ${(a.median / f.median).toFixed(1)}× the floor`);
  console.log(
    `  speed-up ${ratio.toFixed(1)}× (ratio of medians; per run ${formatSpread(spread(ours.map((o, i) => naive[i].seconds / o.seconds)), 1)}×) — goal ≥ ${GOAL_RATIO}×: ${verdict(ratio, GOAL_RATIO)}`,
  );
  if (equalCase && rows === 1_000_000)
    console.log(
      `  all equal on 1M rows × ${config.replicas.length} replicas: ${a.median.toFixed(2)} s — goal ≤ ${GOAL_EQUAL_SECONDS} s: ${verdict(a.median, GOAL_EQUAL_SECONDS, false)}`,
    );
  console.log(`  bytes ${((100 * ours[0].bytes) / naive[0].bytes).toFixed(3)}% of the naive compare's`);
}

console.log(`Loading ${rows.toLocaleString('en')} rows on ${all.map((e) => e.name).join(', ')} …`);
await withSessions((sessions) =>
  Promise.all(
    sessions.map(async (s) => {
      await s.sql.unsafe(create).simple();
      for (let from = 1; from <= rows; from += CHUNK) await s.sql.unsafe(insertChunk(from, Math.min(rows, from + CHUNK - 1)));
      await s.sql.unsafe(`analyze ${table}`);
      await s.sql.unsafe(settle);
    }),
  ),
);
try {
  // The stack's replicator also applies the leader's load to the replicas (same rows): let it finish first.
  console.log('Waiting for the replicas to apply the load …');
  await verifyReplicas(config, { tables: [table], waitMs: 900_000 }, silentProgress);
  await withSessions((sessions) => Promise.all(sessions.map((s) => s.sql.unsafe(settle))));
  report('(a) all equal', await measure(), true);
  const target = config.replicas[Math.min(1, config.replicas.length - 1)];
  await withSessions((sessions) =>
    sessions[all.indexOf(target)].sql.unsafe(`update ${table} set price = price + 0.01 where id = ${Math.floor(rows * 0.77)}`),
  );
  report(`(b) one row changed on ${target.name}`, await measure(), false);
} finally {
  if (!keep) await withSessions((sessions) => Promise.all(sessions.map((s) => s.sql.unsafe(`drop schema ${schema} cascade`))));
}
