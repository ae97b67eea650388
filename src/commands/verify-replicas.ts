import type { Command } from 'commander';
import { ExitCode } from '../errors.ts';
import { parseDurationMs } from '../lib/time.ts';
import type { Progress } from '../progress.ts';
import { jsonText } from '../ui/output.ts';
import { renderVerifyReport } from '../ui/verify-report.ts';
import { summarizeReport } from '../verify/summary.ts';
import { verifyReplicas } from '../verify/verify.ts';
import { contextOf } from './context.ts';

export interface VerifyFlags {
  /** true for a bare --wait, the timeout text for --wait=30s. */
  wait?: boolean | string;
  table?: string[];
  replica?: string[];
  repair?: boolean;
  json?: boolean;
}

const DEFAULT_WAIT_MS = 60_000;
const JSON_KEYS = 1000;

export default async function verifyReplicasCommand(flags: VerifyFlags, command: Command): Promise<number> {
  const { config, progress, json, output } = contextOf(command);
  const waitMs =
    flags.wait === undefined || flags.wait === false
      ? undefined
      : flags.wait === true
        ? DEFAULT_WAIT_MS
        : parseDurationMs(flags.wait, '--wait');
  const report = await verifyReplicas(
    config,
    { tables: flags.table, replicas: flags.replica, waitMs, repair: flags.repair },
    failWaitsThatGiveUp(progress),
  );
  output.out(json ? jsonText(summarizeReport(report, JSON_KEYS)) : renderVerifyReport(report, waitMs, output.color));
  return report.verdict === 'equal' ? ExitCode.ok : ExitCode.failed;
}

/**
 * The catch-up wait returns `{ caughtUp: false }` rather than throwing when its time is up; its step must
 * then end with ✖, not with a ✔ followed by the ✖ of the verdict.
 */
function failWaitsThatGiveUp(progress: Progress): Progress {
  const gaveUp = (result: unknown) =>
    typeof result === 'object' && result !== null && (result as { caughtUp?: unknown }).caughtUp === false;
  return {
    ...progress,
    step: (title, run, options) => progress.step(title, run, { failed: (r) => gaveUp(r) || Boolean(options?.failed?.(r)) }),
  };
}
