import type { Command } from 'commander';
import { ExitCode } from '../errors.ts';
import { parseSimulateFlags, type SimulateFlags } from '../simulate/options.ts';
import { simulate } from '../simulate/run.ts';
import type { Summary } from '../simulate/stats.ts';
import { color } from '../ui/style.ts';
import { renderTable } from '../ui/table.ts';
import { contextOf, printJson } from './context.ts';

const signalExit: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl-C (or SIGTERM) stops starting commands, lets those in flight finish and prints the summary of what
 * was done, then exits 130 (143); a second one exits at once.
 */
export default async function simulateCommand(flags: SimulateFlags, command: Command) {
  const { config, progress, json } = contextOf(command);
  const opts = parseSimulateFlags(flags);
  const goal = opts.count !== undefined ? `${opts.count} commands` : `${opts.durationMs! / 1000} s`;
  const stop = new AbortController();
  let stoppedBy: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) process.exit(signalExit[signal]);
    stoppedBy = signal;
    progress.warn(
      `${signal === 'SIGINT' ? 'Ctrl-C' : signal}: starting no more commands, finishing those in flight (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)`,
    );
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await progress.step(
      `Simulating ${goal} via ${opts.via}`,
      (update) =>
        simulate(
          config,
          opts,
          (r) => {
            const rate = r.done / Math.max(r.elapsedMs / 1000, 0.001);
            update(`${r.done}${opts.count !== undefined ? `/${opts.count}` : ''} · ${rate.toFixed(0)}/s · ${r.errors} errors`);
          },
          stop.signal,
        ),
      { failed: (s) => s.interrupted },
    );
    if (json) printJson(summary);
    else process.stdout.write(render(summary));
    if (stoppedBy) return signalExit[stoppedBy];
    const failed = summary.ops.errors > 0 || (summary.reads && summary.reads.stale + summary.reads.unavailable > 0);
    return failed ? ExitCode.failed : ExitCode.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function render(s: Summary): string {
  const rows = s.byKind.map((k) => [k.kind, k.ok, k.rejected, k.errors ? color.red(String(k.errors)) : 0, k.p50Ms, k.p99Ms]);
  rows.push([color.bold('total'), s.ops.ok, s.ops.rejected, s.ops.errors, s.writeLatencyMs.p50, s.writeLatencyMs.p99]);
  const lines = [
    renderTable(['command', 'ok', 'rejected', 'errors', 'p50 ms', 'p99 ms'], rows),
    `${s.ops.total} commands in ${s.elapsedSeconds} s: ${s.achievedRate} commands/s via ${s.via} (seed ${s.seed}; rejected = refused by the domain, e.g. an order already shipped)`,
  ];
  if (s.interrupted)
    lines.push(
      color.yellow(
        `Interrupted: ${s.ops.total}${s.planned === null ? '' : ` of ${s.planned}`} commands ran; every one that started finished.`,
      ),
    );
  if (s.reads) {
    const r = s.reads;
    const verdict =
      r.stale + r.unavailable === 0
        ? color.green('every read showed its write')
        : color.red(`${r.stale} stale, ${r.unavailable} unavailable`);
    lines.push(`Read-your-writes: ${r.checked} read back with their token, ${verdict}; read latency p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
  }
  for (const e of s.firstErrors) lines.push(color.red(`  ${e}`));
  return lines.join('\n') + '\n';
}
