import postgres from 'postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/config.ts';
import { CqrsError, ExitCode } from '../errors.ts';
import { isLoginRefused, passwordHint } from '../pg/login.ts';
import { pgClient } from '../pg/client.ts';
import { schemaApplied } from '../schema/migrate.ts';
import { Pools } from './state.ts';
import { Tally, type Summary } from './stats.ts';
import { apiCommands, readBack, Rejected, sqlCommands } from './targets.ts';
import { writeApiHeaders } from '../writeapi/auth.ts';
import { planOp, Skipped, type Action } from './workload.ts';
import type { Commands } from '../writeapi/commands.ts';

export interface SimulateOptions {
  /** Stop after this many commands, or after durationMs; one of the two. */
  count?: number;
  durationMs?: number;
  /** Commands started per second; 0 runs as fast as `concurrency` allows. */
  rate: number;
  concurrency: number;
  via: 'api' | 'sql';
  seed: number;
  /** Read every write back through the read API with its token and count answers that miss it. */
  checkReads: boolean;
}

export interface Running {
  done: number;
  errors: number;
  elapsedMs: number;
}

/**
 * Runs the workload against the stack. `signal` stops it early: no new command starts, the ones in flight
 * finish, and the summary says it was interrupted.
 */
export async function simulate(
  config: Config,
  opts: SimulateOptions,
  onTick: (r: Running) => void = () => {},
  signal?: AbortSignal,
): Promise<Summary> {
  const leader = pgClient(config.leader, { max: opts.concurrency, connect_timeout: 3 });
  try {
    await preflight(config, leader, opts);
    // With read checks, start from nothing so no other load can change the rows this run reads back.
    const pools = opts.checkReads ? new Pools() : await Pools.fromLeader(leader);
    const api = { url: config.writeApiUrl, headers: writeApiHeaders(config) };
    const commands = opts.via === 'api' ? apiCommands(api.url, api.headers) : sqlCommands(leader);
    return await runWorkload(opts, pools, commands, opts.checkReads ? api : undefined, onTick, signal);
  } finally {
    await leader.end({ timeout: 2 });
  }
}

/**
 * `concurrency` workers take op numbers in turn and start each at its slot of the schedule (open loop, so a
 * slow leader shows as latency, not as a silently lower rate). Ops are planned in op order as they are
 * taken and each waits for the earlier ops it depends on, so the same seed gives the same commands and
 * outcomes however the concurrent ones interleave.
 */
export async function runWorkload(
  opts: SimulateOptions,
  pools: Pools,
  commands: Commands,
  readApi: ReadApi | undefined,
  onTick: (r: Running) => void = () => {},
  signal?: AbortSignal,
): Promise<Summary> {
  const tally = new Tally();
  const tag = `${opts.seed.toString(36)}${Date.now().toString(36)}`;
  const started = performance.now();
  let next = 0;
  const dueAt = (i: number) => (opts.rate > 0 ? started + (i * 1000) / opts.rate : 0);
  const claim = () => {
    if (signal?.aborted) return undefined;
    const over = opts.count !== undefined ? next >= opts.count : Math.max(performance.now(), dueAt(next)) - started >= opts.durationMs!;
    return over ? undefined : next++;
  };
  const worker = async () => {
    for (let i = claim(); i !== undefined; i = claim()) {
      const action = planOp(opts.seed, i, pools, tag);
      const due = dueAt(i);
      if (due > performance.now()) await sleep(due - performance.now(), undefined, { signal }).catch(() => {});
      await Promise.all(action.after);
      // Interrupted before it started: it does not run, and the ops waiting for it are released.
      if (signal?.aborted) {
        action.wrote(undefined);
        action.settle();
        continue;
      }
      await runOne(action, commands, tally, readApi);
    }
  };
  const tick = () => onTick({ done: tally.done, errors: tally.errors, elapsedMs: performance.now() - started });
  const ticker = setInterval(tick, 200);
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  } finally {
    clearInterval(ticker);
  }
  tick();
  return tally.summary(opts.via, opts.seed, performance.now() - started, opts.checkReads, {
    planned: opts.count ?? null,
    interrupted: Boolean(signal?.aborted),
  });
}

/** The read API and the headers (bearer token) a request to it carries. */
type ReadApi = { url: string; headers: Record<string, string> };

async function runOne(action: Action, commands: Commands, tally: Tally, readApi: ReadApi | undefined): Promise<void> {
  let result: Awaited<ReturnType<Action['write']>> | undefined;
  const t0 = performance.now();
  try {
    try {
      result = await action.write(commands);
      tally.wrote(action.kind, 'ok', performance.now() - t0);
    } catch (e) {
      tally.wrote(action.kind, e instanceof Rejected ? 'rejected' : 'errors', performance.now() - t0, e instanceof Skipped ? e.message : e);
    } finally {
      action.wrote(result);
    }
    if (result && readApi) {
      const id = action.readBack.id(result);
      const t1 = performance.now();
      const answer = await readBack(readApi.url, action.readBack.resource, id, result.token, readApi.headers);
      const ms = performance.now() - t1;
      if ('unavailable' in answer) tally.read('unavailable', ms, answer.unavailable);
      else if (action.readBack.expect(answer.found ? answer.doc : undefined, result)) tally.read('fresh', ms);
      else
        tally.read(
          'stale',
          ms,
          `${action.kind} ${action.readBack.resource}/${id} at ${result.token}: got ${answer.found ? JSON.stringify(answer.doc).slice(0, 200) : '404'}`,
        );
    }
  } catch (e) {
    tally.read('unavailable', 0, (e as Error).message);
  } finally {
    action.settle();
  }
}

/** Refuses to start, with the command that fixes it, when the stack or the API is not there. */
async function preflight(config: Config, leader: postgres.Sql, opts: SimulateOptions): Promise<void> {
  try {
    await leader`select 1`;
  } catch (e) {
    if (isLoginRefused(e))
      throw new CqrsError(
        `the leader at ${config.leader.host}:${config.leader.port} refused the login: ${(e as Error).message}`,
        passwordHint,
        ExitCode.usage,
        { cause: e },
      );
    throw new CqrsError(
      `the stack is not up: the leader at ${config.leader.host}:${config.leader.port} does not answer (${(e as Error).message})`,
      'Start it with `cqrsctl up --detach`.',
      ExitCode.usage,
      { cause: e },
    );
  }
  if (!(await schemaApplied(leader))) {
    throw new CqrsError('the demo schema is not on the leader', 'Run `cqrsctl up` (it applies the schema migrations).', ExitCode.usage);
  }
  if (opts.via !== 'api' && !opts.checkReads) return;
  // Any HTTP answer will do: /health is 503 when no replica answers, yet commands still go to the leader.
  const answers = await fetch(`${config.writeApiUrl}/health`, { signal: AbortSignal.timeout(3000) }).then(
    () => true,
    () => false,
  );
  if (!answers) {
    throw new CqrsError(
      `the write API at ${config.writeApiUrl} does not answer`,
      'Start it with `cqrsctl up --detach` (see `cqrsctl logs write-api`), or use --via sql without --check-reads.',
      ExitCode.usage,
    );
  }
}
