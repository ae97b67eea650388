import { execa, type Options } from 'execa';
import { chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PostgreSQL refuses to run as root. When cqrsctl runs as root (as CI does), the server tools run as the
 * `postgres` system user, which Debian's packages create.
 */
export const runningAsRoot = () => process.getuid?.() === 0;

export function pgTool(bin: string, args: string[], options: Options = {}) {
  const [command, argv] = runningAsRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execa(command, argv, { reject: false, ...options });
}

let postgresIds: { uid: number; gid: number } | undefined;
async function postgresUser() {
  if (!postgresIds) {
    const r = await execa('id', ['-u', 'postgres'], { reject: false });
    const g = await execa('id', ['-g', 'postgres'], { reject: false });
    if (r.exitCode !== 0) throw new Error('no postgres system user');
    postgresIds = { uid: Number(r.stdout), gid: Number(g.stdout) };
  }
  return postgresIds;
}

/** Gives a directory tree to the postgres user when running as root. */
export async function giveToPostgres(dir: string): Promise<void> {
  if (!runningAsRoot()) return;
  const { uid, gid } = await postgresUser();
  const walk = (path: string) => {
    chownSync(path, uid, gid);
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
}
