import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** The real binary, for tests that drive it as a long-running child (execa options of their own). */
export const bin = fileURLToPath(new URL('../../bin/cqrsctl', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `cqrsctl` binary, as a user would, with the test environment (CQRSCTL_* included). */
export async function cli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  const r = await execa(bin, args, {
    reject: false,
    env: { NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? repoRoot,
    timeout: options.timeoutMs ?? 300_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
