import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { giveToPostgres, pgTool } from '../../src/runtime/native/as-postgres.ts';
import { pgBinDir } from '../../src/runtime/native/setup.ts';

export interface ScratchPostgres {
  /** Connection URL of the `postgres` database, as superuser `postgres` (trust auth). */
  url: string;
  urlOf(database: string): string;
  stop(): Promise<void>;
}

/** A port the kernel just handed out, so it is free and outside the stack's fixed ports. */
function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A throwaway PostgreSQL 15 cluster in a temp dir, listening on 127.0.0.1 only; stop() deletes it. */
export async function startScratchPostgres(): Promise<ScratchPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'cqrsctl-scratch-pg-'));
  const data = join(dir, 'data');
  const stop = async () => {
    await pgTool(join(pgBinDir, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await giveToPostgres(dir);
    const init = await pgTool(join(pgBinDir, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'], {
      all: true,
    });
    if (init.exitCode !== 0) throw new Error(`initdb failed:\n${init.all}`);
    const port = await ephemeralPort();
    writeFileSync(
      join(data, 'postgresql.auto.conf'),
      `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = ''\nfsync = off\n`,
    );
    await giveToPostgres(dir);
    const start = await pgTool(join(pgBinDir, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', 'start'], { all: true });
    if (start.exitCode !== 0) throw new Error(`pg_ctl start failed:\n${start.all}`);
    const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
    return { url: urlOf('postgres'), urlOf, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
