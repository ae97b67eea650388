import type { Config } from '../config/config.ts';
import { CqrsError, ExitCode, errorMessage } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { selectRuntime } from '../runtime/select.ts';
import { simulate } from '../simulate/run.ts';
import { startApps, stopApps, waitForApps } from '../stack/apps.ts';
import { refuseUnsafeExposure } from '../config/exposure.ts';
import { refuseToChangeARunningStack } from '../stack/running-settings.ts';
import { upStack } from '../stack/up.ts';
import { appliedLsn, leaderLsn, waitForCatchUp } from '../verify/catch-up.ts';
import { openSession } from '../verify/session.ts';
import { verifyReplicas } from '../verify/verify.ts';

/** passed / failed (the check said no: exit 1) / error (it could not run: exit 2) / skipped (an earlier phase did not pass). */
export type PhaseStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface PhaseResult {
  name: 'up' | 'simulate' | 'verify' | 'down';
  status: PhaseStatus;
  seconds: number;
  /** One line: what was checked, or why it failed. */
  message: string;
  /** The phase's own summary (simulate's, verify's), as their --json prints it. */
  details?: unknown;
}

export interface SmokeOptions {
  count: number;
  seed: number;
  waitMs: number;
  down: boolean;
}

export interface SmokeReport {
  passed: boolean;
  phases: PhaseResult[];
  seconds: number;
}

type Outcome = Omit<PhaseResult, 'name' | 'seconds'>;

/**
 * The pipeline end to end, as a CI job wants it: up (detached) → simulate with every write read back
 * through the read API with its consistency token → verify-replicas after waiting for catch-up; with
 * `down`, the stack is stopped afterwards whatever happened. A phase that does not pass skips the rest.
 */
export async function runSmoke(config: Config, options: SmokeOptions, progress: Progress): Promise<SmokeReport> {
  const started = Date.now();
  const phases: PhaseResult[] = [];
  const phase = async (name: PhaseResult['name'], run: () => Promise<Outcome>) => {
    const t = Date.now();
    const skip = phases.some((p) => p.status !== 'passed') && name !== 'down';
    const outcome: Outcome = skip
      ? { status: 'skipped', message: 'an earlier phase did not pass' }
      : await run().catch((e): Outcome => ({
          status: e instanceof CqrsError && e.exitCode === ExitCode.failed ? 'failed' : 'error',
          message: describeError(e),
        }));
    phases.push({ name, seconds: round((Date.now() - t) / 1000), ...outcome });
  };
  try {
    await phase('up', async () => {
      refuseUnsafeExposure(config);
      await refuseToChangeARunningStack(config, progress);
      const runtime = await selectRuntime(config);
      const result = await upStack(config, runtime, progress);
      const apps = startApps(config);
      await waitForApps(config, apps, progress);
      // A stack just started may not have applied anything yet: reads checked before then are not a finding.
      const caughtUp = await progress.step('Waiting for the replicas to apply what the leader has committed', () =>
        replicasCaughtUp(config, options.waitMs),
      );
      if (!caughtUp) return { status: 'failed', message: `the replicas did not catch up with the leader within ${options.waitMs / 1000}s` };
      const started = [...result.started, ...apps];
      return {
        status: 'passed',
        message: `${runtime.name} runtime; ${started.length ? `started ${started.join(', ')}` : 'already running'}`,
      };
    });
    await phase('simulate', async () => {
      const summary = await progress.step(`Simulating ${options.count} commands, reading every write back`, () =>
        simulate(config, { count: options.count, rate: 0, concurrency: 8, via: 'api', seed: options.seed, checkReads: true }),
      );
      const reads = summary.reads!;
      const bad = summary.ops.errors + reads.stale + reads.unavailable;
      const message = `${summary.ops.total} commands (seed ${summary.seed}), ${summary.ops.errors} errors; ${reads.checked} reads, ${reads.stale} stale, ${reads.unavailable} unavailable`;
      return {
        status: bad ? 'failed' : 'passed',
        message: bad ? `${message}: ${summary.firstErrors.join('; ')}` : message,
        details: summary,
      };
    });
    await phase('verify', async () => {
      const report = await verifyReplicas(config, { waitMs: options.waitMs }, progress);
      const diverged = report.tables.filter((t) => t.state !== 'equal').map((t) => `${t.table} on ${t.replica} (${t.state})`);
      const message =
        report.verdict === 'lagging'
          ? `replicas did not catch up with the leader (${report.leaderLsn}) within ${options.waitMs / 1000}s`
          : report.verdict === 'diverged'
            ? `diverged: ${diverged.join(', ')}`
            : `${report.tables.length} table comparisons equal`;
      return { status: report.verdict === 'equal' ? 'passed' : 'failed', message, details: { verdict: report.verdict, lag: report.lag } };
    });
  } finally {
    if (options.down)
      await phase('down', async () => {
        const apps = await stopApps(config);
        await (await selectRuntime(config)).down({ purge: false }, progress);
        return { status: 'passed', message: `stopped the services${apps.length ? ` and ${apps.join(', ')}` : ''}; data kept` };
      });
  }
  return { passed: phases.every((p) => p.status === 'passed'), phases, seconds: round((Date.now() - started) / 1000) };
}

/** 0 when every phase passed, 2 when one could not run, else 1. */
export const smokeExitCode = (r: SmokeReport) =>
  r.passed ? ExitCode.ok : r.phases.some((p) => p.status === 'error') ? ExitCode.usage : ExitCode.failed;

const describeError = (e: unknown) => (e instanceof CqrsError && e.hint ? `${e.message} (${e.hint})` : errorMessage(e));
const round = (n: number) => Math.round(n * 10) / 10;

async function replicasCaughtUp(config: Config, waitMs: number): Promise<boolean> {
  const sessions = [config.leader, ...config.replicas].map((e) => openSession(e, 1));
  const [leader, ...replicas] = sessions;
  try {
    const probes = replicas.map((r) => ({ name: r.name, applied: () => appliedLsn(r) }));
    return (await waitForCatchUp(await leaderLsn(leader), probes, waitMs)).caughtUp;
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}
