import postgres from 'postgres';
import type { PgEndpoint } from '../config/config.ts';

/**
 * A postgres.js client for an endpoint, the one place clients are made: one connection unless
 * `options.max` says otherwise, server notices dropped (postgres.js prints them otherwise); `options`
 * adds or overrides the rest (timeouts, session settings, another database).
 */
export function pgClient(e: PgEndpoint, options: postgres.Options<{}> = {}): postgres.Sql {
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
