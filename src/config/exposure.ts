import { usageError } from '../errors.ts';
import type { Config } from './config.ts';
import { envName, settings } from './settings.ts';

export const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/**
 * Off loopback anyone on the network can reach the services, so the passwords everybody knows and an open
 * write API are refused: the defaults are right for a laptop and CI only. Bad input, not a failed check (exit 2).
 */
export function refuseUnsafeExposure(config: Config): void {
  const s = config.settings;
  if (isLoopback(s.host)) return;
  const problems: string[] = [];
  // With leaderUrl the superuser password is in the URL, and dbPassword is not used.
  if (!s.leaderUrl && s.dbPassword === settings.dbPassword.default)
    problems.push(`dbPassword is the default (set ${envName('dbPassword')})`);
  if (s.cdcPassword === settings.cdcPassword.default) problems.push(`cdcPassword is the default (set ${envName('cdcPassword')})`);
  if (!s.writeApiToken) problems.push(`the write API has no token (set ${envName('writeApiToken')})`);
  if (problems.length === 0) return;
  throw usageError(
    `refusing to serve on ${s.host}, which is not a loopback address: ${problems.join('; ')}`,
    'Give every password and the token a value of your own (each may also come from a file: CQRSCTL_<NAME>_FILE), or keep host at 127.0.0.1.',
  );
}
