import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import type { PgEndpoint } from '../config/config.ts';
import { usageError } from '../errors.ts';
import { debug } from '../lib/debug.ts';

/**
 * A postgres.js client for an endpoint, the one place clients are made: one connection unless
 * `options.max` says otherwise, server notices dropped (postgres.js prints them otherwise), TLS as the
 * endpoint's sslMode says; `options` adds or overrides the rest (timeouts, session settings, another database).
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
    ssl: pgTls(e),
    max: 1,
    onnotice: () => {},
    ...options,
  });
}

/**
 * libpq's sslmode in postgres.js's terms. `require` encrypts without checking the certificate (as libpq
 * does without a root certificate); verify-ca checks the chain only, verify-full the chain and the host name.
 */
export function pgTls(e: PgEndpoint): postgres.Options<{}>['ssl'] {
  const mode = e.sslMode ?? 'disable';
  if (mode === 'disable') return false;
  if (mode === 'prefer' || mode === 'require') return mode;
  const ca = e.caFile ? [readCa(e.caFile, e.name)] : undefined;
  if (mode === 'verify-ca') return { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ca, rejectUnauthorized: true, servername: isIp(e.host) ? undefined : e.host };
}

const isIp = (host: string) => /^[\d.]+$/.test(host) || host.includes(':');

function readCa(path: string, service: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw usageError(
      `${service}: cannot read the CA file ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      'Set pgCaFile (or ?sslrootcert= in the URL) to the PEM file of the CA that signed the server certificate.',
    );
  }
}
