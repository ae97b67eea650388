/**
 * End-to-end lag: leader commit → row visible on every replica, at steady write rates.
 *
 *   node --import tsx bench/e2e-lag.ts [--rates 200,500,1000] [--seconds 60]
 *   node --import tsx bench/e2e-lag.ts --find-max [--seconds 20] [--p99 100]
 * Both first write 500/s for --warm-up seconds (default 15, 0 to skip) without recording it.
 *
 * Needs a running stack (`cqrsctl up --detach`), found through the usual CQRSCTL_* settings. How a write's
 * lag is measured: bench/lag-probe.ts.
 * --find-max searches (doubling, then bisecting to within 10 %) the highest write rate whose p99 stays within
 * --p99 ms with every write achieved on schedule and none missing, and prints it.
 */
import { loadConfig } from '../src/config/load.ts';
import { pgClient } from '../src/pg/client.ts';
import { percentile } from '../src/simulate/stats.ts';
import { processOutput } from '../src/ui/output.ts';
import { renderTable } from '../src/ui/table.ts';
import { measureLag, prepareLagTable, type LagRun } from './lag-probe.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const rates = flag('rates', '200,500,1000').split(',').map(Number);
const seconds = Number(flag('seconds', '60'));
const findMax = args.includes('--find-max');
const p99Goal = Number(flag('p99', '100'));
const warmUp = Number(flag('warm-up', '15'));

const config = loadConfig();
const leader = pgClient(config.leader, { max: 24 });
const replicas = config.replicas.map((r) => pgClient(r));

const step = (rate: number, secs = seconds) => measureLag(leader, replicas, rate, secs);

// The replicator creates the replica table on the first event; wait for that before timing anything.
await prepareLagTable(leader, replicas);

// The first seconds of load after a quiet spell run colder (JIT, connection pools, page cache) than any later
// step: unrecorded, they would otherwise decide the first rate tried.
if (warmUp > 0) {
  process.stderr.write(`warm-up: 500 writes/s for ${warmUp} s (not recorded) …\n`);
  await step(500, warmUp);
}

const results: LagRun[] = [];
const measure = async (rate: number) => {
  process.stderr.write(`${rate} writes/s for ${seconds} s …\n`);
  const r = await step(rate);
  results.push(r);
  process.stderr.write(`  p99 ${ms(percentile(r.lags, 99))} ms, achieved ${r.achieved.toFixed(0)}/s, missing ${r.missing}\n`);
  return r;
};
/** A rate holds when the writer kept its schedule, every write arrived, and p99 is within the goal. */
const holds = (r: LagRun) => r.achieved >= 0.95 * r.rate && r.missing === 0 && r.errors === 0 && percentile(r.lags, 99) <= p99Goal;
const ms = (n: number) => n.toFixed(1);

let best: LagRun | undefined;
if (findMax) {
  let low = 0;
  let high = 0;
  for (let rate = 1000; ; rate *= 2) {
    if (!holds(await measure(rate))) {
      high = rate;
      break;
    }
    low = rate;
  }
  while (high - low > Math.max(100, low * 0.1)) {
    const mid = Math.round((low + high) / 2 / 100) * 100;
    if (holds(await measure(mid))) low = mid;
    else high = mid;
  }
  best = results.find((r) => r.rate === low);
} else for (const rate of rates) await measure(rate);
await Promise.all([leader, ...replicas].map((s) => s.end()));

process.stdout.write(
  renderTable(
    ['writes/s', 'achieved', 'writes', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'missing', 'errors'],
    results.map((r) => [
      r.rate,
      r.achieved.toFixed(0),
      r.writes,
      ms(percentile(r.lags, 50)),
      ms(percentile(r.lags, 95)),
      ms(percentile(r.lags, 99)),
      ms(r.lags.reduce((a, b) => Math.max(a, b), 0)),
      r.missing,
      r.errors,
    ]),
    processOutput().color,
  ) + '\n',
);
const top = results.find((r) => r.rate === 1000);
if (top) {
  const p50 = percentile(top.lags, 50),
    p99 = percentile(top.lags, 99);
  process.stdout.write(
    `at 1,000 writes/s: p50 ${ms(p50)} ms (target ≤ 100: ${p50 <= 100 ? 'met' : 'missed'}), p99 ${ms(p99)} ms (target ≤ 250: ${p99 <= 250 ? 'met' : 'missed'})\n`,
  );
}
if (findMax)
  process.stdout.write(
    best
      ? `highest write rate with p99 ≤ ${p99Goal} ms (steps of ${seconds} s): ${best.rate} writes/s (p99 ${ms(percentile(best.lags, 99))} ms)\n`
      : `no rate tried (down to ${results.at(-1)?.rate} writes/s) keeps p99 ≤ ${p99Goal} ms\n`,
  );
