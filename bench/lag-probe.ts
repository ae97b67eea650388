/**
 * The measuring core of the lag benches: open-loop writes on the leader, one poller per replica, and each
 * write's end-to-end lag (leader commit → row visible on every replica).
 *
 * Each write is one autocommitted insert into public.bench_lag, started on schedule whatever the earlier ones
 * do; its commit time is when the leader acknowledged it. One poller per replica asks every few ms for rows
 * it has not seen yet; a row's lag is the time the last replica showed it minus its commit time. Resolution:
 * poll interval + one query.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type postgres from 'postgres';

const POLL_MS = 5;

export interface LagRun {
  rate: number;
  writes: number;
  /** Writes per second the writer actually kept. */
  achieved: number;
  /** Per write (by sequence number): when the leader acknowledged it and its lag, in ms; NaN for a failed or missing one. */
  committedAt: Float64Array;
  lagMs: Float64Array;
  /** Lags of every write that arrived everywhere. */
  lags: number[];
  missing: number;
  errors: number;
}

/** Creates the bench table and waits until the replicator has created it on every replica. */
export async function prepareLagTable(leader: postgres.Sql, replicas: postgres.Sql[]): Promise<void> {
  await leader`create table if not exists bench_lag (run text, seq int, payload text, primary key (run, seq))`;
  await leader`insert into bench_lag values ('warm-up', 0, '') on conflict do nothing`;
  for (const sql of replicas) {
    while (!(await sql`select 1 from bench_lag where run = 'warm-up'`.catch(() => [])).length) await sleep(100);
  }
}

/** `rate` writes/s for `secs` seconds; `at(seconds, fn)` runs fn (not awaited) once that far into the run. */
export async function measureLag(
  leader: postgres.Sql,
  replicas: postgres.Sql[],
  rate: number,
  secs: number,
  at?: { seconds: number; run: () => Promise<unknown> },
): Promise<LagRun> {
  const run = `${rate}-${Date.now().toString(36)}`;
  const total = rate * secs;
  const committedAt = new Float64Array(total).fill(NaN);
  const seen = replicas.map(() => new Float64Array(total).fill(NaN));
  let errors = 0;
  let writing = true;

  const pollers = replicas.map(async (sql, r) => {
    let low = -1; // every seq ≤ low is seen here
    const pending = () => {
      while (low + 1 < total && !Number.isNaN(seen[r][low + 1])) low++;
    };
    for (
      let quietSince = performance.now();
      writing || (low + 1 < total && performance.now() - quietSince < 30_000);
      await sleep(POLL_MS)
    ) {
      // A replica that does not answer for a moment is asked again at the next poll.
      const rows = await sql<{ seq: number }[]>`select seq from bench_lag where run = ${run} and seq > ${low}`.catch(() => []);
      const now = performance.now();
      for (const { seq } of rows) if (Number.isNaN(seen[r][seq])) seen[r][seq] = now;
      pending();
      // Gives up on the rest only after 30 s without a new row once the writes are done (a replica far
      // behind is still waited for while it catches up).
      if (writing || rows.length) quietSince = now;
    }
  });

  const started = performance.now();
  const inflight = new Set<Promise<void>>();
  let event: Promise<unknown> | undefined;
  for (let seq = 0; seq < total; seq++) {
    const due = started + (seq * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    if (at && !event && due - started >= at.seconds * 1000) event = at.run();
    const write = leader`insert into bench_lag (run, seq, payload) values (${run}, ${seq}, ${'x'.repeat(100)})`
      .then(
        () => {
          committedAt[seq] = performance.now();
        },
        () => {
          errors++;
        },
      )
      .finally(() => inflight.delete(write));
    inflight.add(write);
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;
  writing = false;
  await Promise.all([...pollers, event]);

  const lagMs = new Float64Array(total).fill(NaN);
  const lags: number[] = [];
  let missing = 0;
  for (let seq = 0; seq < total; seq++) {
    if (Number.isNaN(committedAt[seq])) continue;
    // A loop, not Math.max(...): one value per replica here, but never spread a per-write array.
    let last = -Infinity;
    for (const s of seen) last = Number.isNaN(s[seq]) || Number.isNaN(last) ? NaN : Math.max(last, s[seq]);
    if (Number.isNaN(last)) missing++;
    else {
      lagMs[seq] = Math.max(0, last - committedAt[seq]);
      lags.push(lagMs[seq]);
    }
  }
  return { rate, writes: total, achieved: total / elapsed, committedAt, lagMs, lags, missing, errors };
}
