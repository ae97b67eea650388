// Start-up of the CLI: `cqrsctl --help`, `status --json` on a running stack and `status` of a stopped
// one, each the median (and spread) of several runs, next to `psql -c 'select 1'` and `node -e ''` timed
// in the same run as baselines, against the goals of issue 12 (--help ≤ 100 ms, status --json ≤ 300 ms,
// stopped status ≤ 3 s). On a shared machine the absolute figures move with its load; the ratios to the
// baselines move less. bin/cqrsctl runs dist/ (run `npm run build` first, else this measures tsx).
// Settings come from CQRSCTL_* as usual; the stack is started if needed and left as it was found.
//   node --import tsx bench/cli-startup.ts [--runs 7]
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';

const bin = fileURLToPath(new URL('../bin/cqrsctl', import.meta.url));
const i = process.argv.indexOf('--runs');
const runs = i > 0 ? Number(process.argv[i + 1]) : 7;
const config = loadConfig({ flags: {} });
const env = { NO_COLOR: '1' };

async function seconds(command: string, args: string[], extraEnv: Record<string, string> = {}): Promise<number> {
  const started = process.hrtime.bigint();
  await execa(command, args, { reject: false, env: { ...env, ...extraEnv }, timeout: 300_000 });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function measure(command: string, args: string[], extraEnv?: Record<string, string>): Promise<number[]> {
  await seconds(command, args, extraEnv); // warms the page cache
  const xs: number[] = [];
  for (let run = 0; run < runs; run++) xs.push(await seconds(command, args, extraEnv));
  return xs.sort((a, b) => a - b);
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)];
const ms = (x: number) => `${(x * 1000).toFixed(0)} ms`;
const line = (name: string, xs: number[], goal?: number, base?: number) =>
  console.log(
    `${name.padEnd(26)} median ${ms(median(xs)).padStart(8)}  spread ${ms(xs[0])}–${ms(xs.at(-1)!)}` +
      (base ? `  ×${(median(xs) / base).toFixed(1)} psql` : '') +
      (goal ? `  goal ≤ ${ms(goal)}: ${median(xs) <= goal ? 'met' : 'missed'}` : ''),
  );

if (!existsSync(new URL('../dist/.built-at', import.meta.url))) console.log('dist/ is not built: bin/cqrsctl runs the sources through tsx');
const wasUp = (await execa(bin, ['status', '--json'], { reject: false, env })).exitCode === 0;
if (!wasUp) await execa(bin, ['up', '--detach'], { env, stdio: 'inherit' });
const l = config.leader;
const psql = await measure('psql', ['-h', l.host, '-p', String(l.port), '-U', l.user, '-d', 'postgres', '-Atc', 'select 1'], {
  PGPASSWORD: l.password,
});
const node = await measure(process.execPath, ['-e', '']);
const help = await measure(bin, ['--help']);
const statusUp = await measure(bin, ['status', '--json']);
await execa(bin, ['down'], { env });
const statusDown = await measure(bin, ['status']);
if (wasUp) await execa(bin, ['up', '--detach'], { env });

// psql was timed while the leader ran; it is the baseline of the running-stack figures.
line("psql -c 'select 1'", psql);
line("node -e ''", node, undefined, median(psql));
line('cqrsctl --help', help, 0.1, median(psql));
line('cqrsctl status --json (up)', statusUp, 0.3, median(psql));
line('cqrsctl status (stopped)', statusDown, 3, median(psql));
console.log(`${runs} runs each; load average (1 min) ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`);
