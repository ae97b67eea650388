// Time from `cqrsctl up` to every service healthy and the connector RUNNING, docker vs native, cold
// (no data: first init of every database, topic and connector) and warm (data kept, processes or
// containers stopped), plus the no-op `up` on a running stack. Settings come from CQRSCTL_* as usual;
// each runtime is taken down (--purge) before and after, so the two never hold the ports together.
//   node --import tsx bench/up-docker-vs-native.ts [--runtimes docker,native]
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/cqrsctl', import.meta.url));
const arg = process.argv.indexOf('--runtimes');
const runtimes = (arg > 0 ? process.argv[arg + 1] : 'docker,native').split(',');

async function timed(args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const r = await execa(bin, args, { reject: false, env: { NO_COLOR: '1' }, timeout: 900_000 });
  if (r.exitCode !== 0) throw new Error(`cqrsctl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const results: Record<string, { cold: number; warm: number; noop: number }> = {};
for (const runtime of runtimes) {
  const rt = ['--runtime', runtime];
  await timed(['down', ...rt, '--purge']);
  try {
    const cold = await timed(['up', ...rt, '--detach']);
    const noop = await timed(['up', ...rt, '--detach']);
    await timed(['down', ...rt]);
    const warm = await timed(['up', ...rt, '--detach']);
    results[runtime] = { cold, warm, noop };
    console.log(`${runtime.padEnd(7)} cold ${cold.toFixed(1)}s  warm ${warm.toFixed(1)}s  no-op ${noop.toFixed(2)}s`);
  } finally {
    await timed(['down', ...rt, '--purge']);
  }
}
if (results.docker && results.native) {
  const ratio = (k: 'cold' | 'warm' | 'noop') => (results.docker[k] / results.native[k]).toFixed(2);
  console.log(`docker/native: cold ×${ratio('cold')}  warm ×${ratio('warm')}  no-op ×${ratio('noop')}`);
}
