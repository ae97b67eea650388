import postgres from 'postgres';
import type { PgEndpoint } from '../config/config.ts';
import { debug } from '../lib/debug.ts';

/**
 * A postgres.js client for an endpoint, the one place clients are made: one connection unless
 * `options.max` says otherwise, server notices dropped (postgres.js prints them otherwise); `options`
 * adds or overrides the rest (timeouts, session settings, another database).
 */
export function pgClient(e: PgEndpoint, options: postgres.Options<{}> = {}): postgres.Sql {
  debug(
    `SQL client for ${e.name}: ${e.user}@${e.host}:${e.port}/${options.database ?? e.database} (up to ${options.max ?? 1} connections)`,
  );
  return postgres({
    host: e.host,
    port: e.port,
    user: e.user,
    password: e.password,
    database: e.database,
    max: 1,
    onnotice: () => {},
    ...options,
  });
}
