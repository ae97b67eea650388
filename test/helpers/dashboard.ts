import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import type { Config } from '../../src/config/config.ts';
import type { DashboardState } from '../../src/dashboard/server.ts';
import { conditionFailed } from '../../src/errors.ts';
import { waitUntil } from '../../src/lib/wait.ts';
import { repoRoot } from './cli.ts';

export interface DashboardProcess {
  url: string;
  state(): Promise<DashboardState>;
  /** Ctrl-C, and the exit code it ended with. */
  stop(): Promise<number | undefined>;
}

/** `cqrsctl dashboard` as a child process, once its data endpoint answers with a first look at the stack. */
export async function startDashboardProcess(config: Config): Promise<DashboardProcess> {
  const child: ResultPromise = execa(join(repoRoot, 'bin/cqrsctl'), ['dashboard'], { env: { NO_COLOR: '1' }, reject: false });
  const url = config.dashboardUrl;
  const state = async () => {
    const res = await fetch(`${url}api/status`);
    if (!res.ok) throw new Error(`GET ${url}api/status answered ${res.status}`);
    return (await res.json()) as DashboardState;
  };
  let ended: string | undefined;
  void child.then((r) => (ended = `cqrsctl dashboard exited (${r.exitCode}): ${r.stderr}`));
  const probe = () => {
    if (ended) throw conditionFailed(ended); // ends the wait at once
    return state();
  };
  await waitUntil('cqrsctl dashboard', probe, { timeoutMs: 90_000, intervalMs: 500 }).catch((e) => {
    child.kill();
    throw e;
  });
  return {
    url,
    state,
    async stop() {
      child.kill('SIGINT');
      return (await child).exitCode;
    },
  };
}
