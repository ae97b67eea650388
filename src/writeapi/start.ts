import type { Config, PgEndpoint } from '../config/config.ts';
import { CqrsError, ExitCode } from '../errors.ts';
import { pgClient } from '../pg/client.ts';
import { createCommands } from './commands.ts';
import { ReplicaRouter } from './replica-router.ts';
import { buildServer } from './server.ts';

export interface WriteApi {
  url: string;
  close(): Promise<void>;
}

/** Every connection reads timestamps in UTC, so leader and replicas render them alike. */
const pool = (e: PgEndpoint, max: number) =>
  pgClient(e, { max, connect_timeout: 2, connection: { TimeZone: 'UTC', application_name: 'cqrsctl-write-api' } });

/** Starts the HTTP API on the configured host and port: commands against the leader, queries against the replicas. */
export async function startWriteApi(
  config: Config,
  options: { readTimeoutMs?: number; logLevel?: string; requestLog?: (line: string) => void } = {},
): Promise<WriteApi> {
  const leader = pool(config.leader, 16);
  const replicas = config.replicas.map((r) => ({ name: r.name, sql: pool(r, 6) }));
  const app = buildServer({
    commands: createCommands(leader),
    router: new ReplicaRouter(replicas),
    readTimeoutMs: options.readTimeoutMs ?? 5000,
    leaderPosition: async () => (await leader<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`)[0].lsn,
    logLevel: options.logLevel,
    token: config.settings.writeApiToken || undefined,
    requestLog: options.requestLog,
  });
  const closePools = () => Promise.all([leader, ...replicas.map((r) => r.sql)].map((sql) => sql.end({ timeout: 2 })));
  try {
    await app.listen({ host: config.settings.host, port: config.settings.writeApiPort });
  } catch (e) {
    await closePools();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CqrsError(
        `port ${config.settings.writeApiPort} is already in use`,
        'Another write API may be running (`cqrsctl status`); or move it with --write-api-port / CQRSCTL_WRITE_API_PORT.',
        ExitCode.usage,
        { cause: e },
      );
    }
    throw e;
  }
  return {
    url: config.writeApiUrl,
    async close() {
      await app.close();
      await closePools();
    },
  };
}
