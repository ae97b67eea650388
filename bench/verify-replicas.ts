/**
 * verify-replicas against a naive full compare, in the same run: a 1,000,000-row table of several column
 * types on the leader and every replica, (a) all equal, (b) one row changed on one replica. Prints the median
 * of three runs' time and bytes received from the databases for both, and the ratios. Uses the configured endpoints (CQRSCTL_*).
 *   node --import tsx bench/verify-replicas.ts [--rows N] [--keep]
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { loadConfig } from '../src/config/load.ts';
import { silentProgress } from '../src/progress.ts';
import { openSession, type VerifySession } from '../src/verify/session.ts';
import { verifyReplicas } from '../src/verify/verify.ts';

const args = process.argv.slice(2);
const rows = Number(args[args.indexOf('--rows') + 1] || 0) || 1_000_000;
const keep = args.includes('--keep');
const config = loadConfig();
const schema = 'verify_bench';
const table = `${schema}.t`;
const all = [config.leader, ...config.replicas];

// Identical content everywhere, generated in place so that loading does not go through this process.
const load = `
  drop schema if exists ${schema} cascade; create schema ${schema};
  create table ${table} (id bigint primary key, qty int, name text, price numeric(12,2), created timestamptz,
                         score double precision, active boolean, attrs jsonb, ref uuid);
  insert into ${table} select g, g % 1000, 'customer ' || g || ' ' || md5(g::text), (g % 100000) / 100.0,
         '2024-01-01'::timestamptz + g * interval '1 second', g / 7.0, g % 2 = 0,
         jsonb_build_object('k', g, 'tag', 't' || (g % 10)), md5(g::text)::uuid
    from generate_series(1, ${rows}) g;
  analyze ${table};`;
// Sets hint bits and the visibility map, so that whichever compare runs first does not pay for the load.
const settle = `vacuum ${table}`;
const RUNS = 3;

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

/** Median of RUNS runs: the machine may be shared and noisy. */
async function median<T extends { seconds: number }>(run: () => Promise<T>): Promise<T> {
  const runs: T[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await run());
  return runs.sort((a, b) => a.seconds - b.seconds)[Math.floor(RUNS / 2)];
}

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
type Figures = { seconds: number; bytes: number; result: number };
function report(title: string, ours: Figures, naive: Figures) {
  console.log(`\n${title}`);
  console.log(`  cqrsctl verify-replicas  ${ours.seconds.toFixed(2)} s  ${mb(ours.bytes)} received  (${ours.result} differing rows found)`);
  console.log(
    `  naive COPY compare       ${naive.seconds.toFixed(2)} s  ${mb(naive.bytes)} received  (${naive.result} differing lines found)`,
  );
  console.log(
    `  speed-up ${(naive.seconds / ours.seconds).toFixed(1)}×   bytes ${((100 * ours.bytes) / naive.bytes).toFixed(3)}% of the naive compare's`,
  );
}

console.log(`Loading ${rows.toLocaleString('en')} rows on ${all.map((e) => e.name).join(', ')} …`);
await withSessions((sessions) =>
  Promise.all(
    sessions.map(async (s) => {
      await s.sql.unsafe(load).simple();
      await s.sql.unsafe(settle);
    }),
  ),
);
try {
  report('(a) all equal', await median(verify), await median(() => withSessions(naiveCompare)));
  const target = config.replicas[Math.min(1, config.replicas.length - 1)];
  await withSessions((sessions) =>
    sessions[all.indexOf(target)].sql.unsafe(`update ${table} set price = price + 0.01 where id = ${Math.floor(rows * 0.77)}`),
  );
  report(`(b) one row changed on ${target.name}`, await median(verify), await median(() => withSessions(naiveCompare)));
} finally {
  if (!keep) await withSessions((sessions) => Promise.all(sessions.map((s) => s.sql.unsafe(`drop schema ${schema} cascade`))));
}
