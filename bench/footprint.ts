// Memory of a running native stack, per service: idle, then the peak while `cqrsctl simulate` drives
// 1,000 commands/s through the write API. Each service counts its whole process tree (a PostgreSQL server
// is a postmaster and its backends) as PSS, so pages the processes share (shared_buffers, the JVM's
// class-data archive) are counted once, not once per process; RSS is printed beside it.
// Settings come from CQRSCTL_* as usual; the stack must be up (`cqrsctl up --detach`).
//   node --import tsx bench/footprint.ts [--seconds 30] [--rate 1000]
import { execa } from 'execa';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import { createNativeRuntime } from '../src/runtime/native/index.ts';
import { appStatuses } from '../src/stack/apps.ts';

const GOAL_MB = 1536;
const bin = fileURLToPath(new URL('../bin/cqrsctl', import.meta.url));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 30);
const rate = arg('rate', 1000);

const config = loadConfig({ flags: {} });
const services = [...(await createNativeRuntime(config).status()), ...(await appStatuses(config))];
const down = services.filter((s) => !s.pid).map((s) => s.name);
if (down.length) throw new Error(`not running: ${down.join(', ')}; start the stack with \`cqrsctl up --detach\``);

/** pid → its children, from /proc. */
function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(ppid, [...(map.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  return map;
}

const kb = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);

/** PSS and RSS in MB of a process and all its descendants. */
function treeMemory(pid: number, children: Map<number, number[]>): { pss: number; rss: number } {
  let pss = 0;
  let rss = 0;
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    try {
      const rollup = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      pss += kb(rollup, 'Pss');
      rss += kb(rollup, 'Rss');
    } catch {
      // gone
    }
    todo.push(...(children.get(p) ?? []));
  }
  return { pss: pss / 1024, rss: rss / 1024 };
}

const sample = () => {
  const children = childrenByParent();
  return new Map(services.map((s) => [s.name, treeMemory(s.pid!, children)]));
};

const idle = sample();
const peak = new Map([...idle].map(([name, m]) => [name, { ...m }]));
const load = execa(
  bin,
  ['simulate', '--duration', `${seconds}s`, '--rate', String(rate), '--concurrency', '64', '--via', 'api', '--json'],
  { reject: false, env: { NO_COLOR: '1' } },
);
const timer = setInterval(() => {
  for (const [name, m] of sample()) {
    const p = peak.get(name)!;
    p.pss = Math.max(p.pss, m.pss);
    p.rss = Math.max(p.rss, m.rss);
  }
}, 1000);
const run = await load;
clearInterval(timer);
const summary = JSON.parse(run.stdout || '{}') as { achievedRate?: number; ops?: { total: number; errors: number } };
if (summary.achievedRate === undefined) throw new Error(`simulate failed (${run.exitCode}):\n${run.stderr}`);

const mb = (n: number) => n.toFixed(0).padStart(6);
console.log(`service      idle PSS  idle RSS  load PSS  load RSS   (MB; load: peak during ${seconds}s of simulate)`);
for (const s of services) {
  const i = idle.get(s.name)!;
  const p = peak.get(s.name)!;
  console.log(`${s.name.padEnd(12)} ${mb(i.pss)}    ${mb(i.rss)}    ${mb(p.pss)}    ${mb(p.rss)}`);
}
const total = (m: Map<string, { pss: number; rss: number }>, k: 'pss' | 'rss') => [...m.values()].reduce((a, x) => a + x[k], 0);
console.log(
  `${'total'.padEnd(12)} ${mb(total(idle, 'pss'))}    ${mb(total(idle, 'rss'))}    ${mb(total(peak, 'pss'))}    ${mb(total(peak, 'rss'))}`,
);
console.log(
  `load: ${summary.achievedRate.toFixed(0)} commands/s achieved of ${rate} asked (${summary.ops?.total} commands, ${summary.ops?.errors} errors)`,
);
const worst = total(peak, 'pss');
console.log(`goal: total PSS under load ≤ ${GOAL_MB} MB: ${worst <= GOAL_MB ? 'met' : 'missed'} (${worst.toFixed(0)} MB)`);
