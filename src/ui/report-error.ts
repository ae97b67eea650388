import { ExitCode } from '../errors.ts';
import { fromBoundary } from '../lib/boundary.ts';
import { errColor as color } from './style.ts';

/** The one place an error reaches the user; returns the exit code. */
export function reportError(e: unknown, debug: boolean): number {
  const known = fromBoundary(e);
  if (known) {
    process.stderr.write(`${color.red('error:')} ${known.message}\n`);
    if (known.hint) process.stderr.write(`${color.dim('hint:')} ${known.hint}\n`);
    if (debug && known.stack)
      process.stderr.write(`${known.stack}\n${known.cause ? `caused by: ${String((known.cause as Error)?.stack ?? known.cause)}\n` : ''}`);
    return known.exitCode;
  }
  process.stderr.write(`${color.red('internal error:')} ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.stderr.write('This is a bug in cqrsctl; please report it with the output above.\n');
  return ExitCode.bug;
}
