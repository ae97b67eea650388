/**
 * End-to-end lag on a three-broker cluster at a steady write rate, and across the loss of the broker leading
 * the change topic (kill -9 mid-run).
 *
 *   CQRSCTL_HOME=/var/tmp/lag-cluster CQRSCTL_LEADER_PORT=… node --import tsx bench/cluster-lag.ts \
 *     [--rate 1000] [--seconds 30] [--kill-after 20] [--after 40] [--warm-up 15] [--partitions 1] [--keep]
 *
 * Starts its own stack (`cqrsctl up --detach --broker-count 3 --partitions P`, native runtime) from the usual CQRSCTL_*
 * settings — give it a state dir and ports of its own — and takes it down with its data at the end unless
 * --keep. First --seconds of steady writes (the baseline), then a second run in which the leading broker is
 * killed --kill-after seconds in and the writes go on for --after seconds more. Prints p50/p99/max of the
 * writes committed before the kill, in the 15 s after it (the dead broker is fenced after its 9 s session
 * timeout) and later. How a write's lag is measured: bench/lag-probe.ts.
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import { pgClient } from '../src/pg/client.ts';
import { selectRuntime } from '../src/runtime/select.ts';
import { percentile } from '../src/simulate/stats.ts';
import { kafkaClusterStatus } from '../src/stack/kafka-cluster.ts';
import { changeTopic } from '../src/replicator/topics.ts';
import { processOutput } from '../src/ui/output.ts';
import { renderTable } from '../src/ui/table.ts';
import { measureLag, prepareLagTable } from './lag-probe.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return Number(i >= 0 ? args[i + 1] : fallback);
};
const rate = flag('rate', '1000');
const seconds = flag('seconds', '30');
const killAfter = flag('kill-after', '20');
const afterKill = flag('after', '40');
const warmUp = flag('warm-up', '15');
const partitions = flag('partitions', '1');
const FENCING_WINDOW_MS = 15_000;

const bin = fileURLToPath(new URL('../bin/cqrsctl', import.meta.url));
const cqrsctl = async (cmd: string[]) => {
  const r = await execa(bin, cmd, { env: { ...process.env, CQRSCTL_RUNTIME: 'native' }, reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`cqrsctl ${cmd.join(' ')} failed (${r.exitCode}):\n${r.all}`);
};

process.stderr.write('starting a 3-broker stack …\n');
await cqrsctl(['up', '--detach', '--broker-count', '3', '--partitions', String(partitions)]);
const config = loadConfig();
const leader = pgClient(config.leader, { max: 24 });
const replicas = config.replicas.map((r) => pgClient(r));

/** Kills the broker leading the change topic; returns when (performance.now()) and which. */
let killed: { at: number; name: string } | undefined;
async function killLeadingBroker() {
  const kafka = await kafkaClusterStatus(config);
  const id = kafka.partitions.find((p) => p.topic === changeTopic(config))?.leader;
  const name = kafka.brokers.find((b) => b.id === id)?.name;
  const pid = (await (await selectRuntime(config)).status()).find((s) => s.name === name)?.pid;
  if (!name || !pid) throw new Error(`no running broker leads ${changeTopic(config)}: ${JSON.stringify(kafka)}`);
  process.kill(pid, 'SIGKILL');
  killed = { at: performance.now(), name };
  process.stderr.write(`killed ${name} (pid ${pid}), the leader of ${changeTopic(config)}\n`);
}

const ms = (n: number) => (Number.isNaN(n) ? '–' : n.toFixed(1));
const row = (label: string, lags: number[], writes: number) => [
  label,
  writes,
  lags.length,
  ms(percentile(lags, 50)),
  ms(percentile(lags, 99)),
  ms(lags.reduce((a, b) => Math.max(a, b), 0)),
];

try {
  await prepareLagTable(leader, replicas);
  if (warmUp > 0) {
    process.stderr.write(`warm-up: 500 writes/s for ${warmUp} s (not recorded) …\n`);
    await measureLag(leader, replicas, 500, warmUp);
  }
  process.stderr.write(`steady: ${rate} writes/s for ${seconds} s …\n`);
  const steady = await measureLag(leader, replicas, rate, seconds);
  process.stderr.write(`failover: ${rate} writes/s for ${killAfter + afterKill} s, the leading broker killed after ${killAfter} s …\n`);
  const failover = await measureLag(leader, replicas, rate, killAfter + afterKill, { seconds: killAfter, run: killLeadingBroker });
  if (!killed) throw new Error('the broker was not killed');

  type Phase = { writes: number; lags: number[] };
  const phases: Record<'before' | 'during' | 'after', Phase> = {
    before: { writes: 0, lags: [] },
    during: { writes: 0, lags: [] },
    after: { writes: 0, lags: [] },
  };
  failover.committedAt.forEach((at, seq) => {
    if (Number.isNaN(at)) return;
    const phase = phases[at < killed!.at ? 'before' : at < killed!.at + FENCING_WINDOW_MS ? 'during' : 'after'];
    phase.writes++;
    if (!Number.isNaN(failover.lagMs[seq])) phase.lags.push(failover.lagMs[seq]);
  });
  process.stdout.write(
    renderTable(
      [`3 brokers, ${partitions} partition${partitions === 1 ? '' : 's'}`, 'writes', 'arrived', 'p50 ms', 'p99 ms', 'max ms'],
      [
        row('steady', steady.lags, steady.writes - steady.errors),
        row('before the kill', phases.before.lags, phases.before.writes),
        row(`${FENCING_WINDOW_MS / 1000} s after killing ${killed.name}`, phases.during.lags, phases.during.writes),
        row('later, 2 brokers', phases.after.lags, phases.after.writes),
      ],
      processOutput().color,
    ) + '\n',
  );
  process.stdout.write(`achieved write rate: ${steady.achieved.toFixed(0)}/s steady, ${failover.achieved.toFixed(0)}/s across the kill\n`);
  process.stdout.write(
    `missing ${steady.missing + failover.missing}, errors ${steady.errors + failover.errors} (every write must reach every replica: 0 and 0)\n`,
  );
} finally {
  await Promise.all([leader, ...replicas].map((s) => s.end()));
  if (!args.includes('--keep')) await cqrsctl(['down', '--purge']);
}
