import type { Command } from 'commander';
import { ExitCode } from '../errors.ts';
import { parseSimulateFlags, type SimulateFlags } from '../simulate/options.ts';
import { simulate } from '../simulate/run.ts';
import { jsonText } from '../ui/output.ts';
import { renderSimulateSummary } from '../ui/simulate.ts';
import { contextOf } from './context.ts';

const signalExit: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl-C (or SIGTERM) stops starting commands, lets those in flight finish and prints the summary of what
 * was done, then exits 130 (143); a second one exits at once.
 */
export default async function simulateCommand(flags: SimulateFlags, command: Command) {
  const { config, progress, json, output } = contextOf(command);
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
    output.out(json ? jsonText(summary) : renderSimulateSummary(summary, output.color));
    if (stoppedBy) return signalExit[stoppedBy];
    const failed = summary.ops.errors > 0 || (summary.reads && summary.reads.stale + summary.reads.unavailable > 0);
    return failed ? ExitCode.failed : ExitCode.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
