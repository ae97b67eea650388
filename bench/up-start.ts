// How long `cqrsctl up --detach` takes on the native runtime: cold (no data: every database, topic and
// the connector made anew), warm (data and the JVMs' class-data archives kept, processes stopped) and
// no-op (everything already runs), against the goals of issue 12 (cold ≤ 10 s, no-op ≤ 0.3 s). The
// machine's load average is printed beside the figures: on a shared machine they move with it.
// Settings come from CQRSCTL_* as usual; the stack is purged before and left down after.
//   node --import tsx bench/up-start.ts [--runs 3]
import { execa } from 'execa';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/cqrsctl', import.meta.url));
const i = process.argv.indexOf('--runs');
const runs = i > 0 ? Number(process.argv[i + 1]) : 3;
const env = { NO_COLOR: '1', CQRSCTL_RUNTIME: 'native' };

async function timed(args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const r = await execa(bin, args, { reject: false, env, timeout: 900_000 });
  if (r.exitCode !== 0) throw new Error(`cqrsctl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
const verdict = (value: number, goal: number) => (value <= goal ? 'met' : 'missed');

const cold: number[] = [];
const warm: number[] = [];
const noop: number[] = [];
const load: number[] = [];
try {
  for (let run = 0; run < runs; run++) {
    await timed(['down', '--purge']);
    load.push(loadavg()[0]);
    cold.push(await timed(['up', '--detach']));
    for (let k = 0; k < 3; k++) noop.push(await timed(['up', '--detach']));
    await timed(['down']);
    warm.push(await timed(['up', '--detach']));
    console.log(
      `run ${run + 1}: cold ${cold.at(-1)!.toFixed(1)}s  warm ${warm.at(-1)!.toFixed(1)}s  no-op ${noop.slice(-3).map((x) => x.toFixed(2))}s  (load ${load.at(-1)!.toFixed(1)})`,
    );
  }
} finally {
  await timed(['down', '--purge']);
}
console.log(`cold   median ${median(cold).toFixed(1)}s  spread ${spread(cold)}s  goal ≤ 10s: ${verdict(median(cold), 10)}`);
console.log(`warm   median ${median(warm).toFixed(1)}s  spread ${spread(warm)}s`);
console.log(`no-op  median ${median(noop).toFixed(2)}s  spread ${spread(noop)}s  goal ≤ 0.3s: ${verdict(median(noop), 0.3)}`);
console.log(`load average (1 min) at the cold starts: ${load.map((x) => x.toFixed(1)).join(', ')} on ${availableParallelism()} cores`);
