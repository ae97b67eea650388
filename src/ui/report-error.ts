import { CqrsError, ExitCode, errorMessage, isCqrsError } from '../errors.ts';
import { isLoginRefused, passwordHint } from '../pg/login.ts';
import { color } from './style.ts';

/** The one place an error reaches the user; returns the exit code. */
export function reportError(e: unknown, debug: boolean): number {
  const known = translate(e);
  if (known) {
    process.stderr.write(`${color.red('error:')} ${known.message}\n`);
    if (known.hint) process.stderr.write(`${color.dim('hint:')} ${known.hint}\n`);
    if (debug && known.stack)
      process.stderr.write(`${known.stack}\n${known.cause ? `caused by: ${String((known.cause as Error)?.stack ?? known.cause)}\n` : ''}`);
    return known.exitCode;
  }
  process.stderr.write(`${color.red('internal error:')} ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.stderr.write('This is a bug in cqrsctl; please report it with the output above.\n');
  return 1;
}

/**
 * Errors the user can act on, with the hint that fits the cause: a refused database password is the
 * password setting's fault, whatever the code that met it guessed ("is the stack up?").
 */
function translate(e: unknown): CqrsError | undefined {
  if (isLoginRefused(e)) {
    const message = isCqrsError(e) ? e.message : `the database refused the login: ${errorMessage(e)}`;
    return new CqrsError(message, passwordHint, ExitCode.usage, { cause: e });
  }
  return isCqrsError(e) ? e : undefined;
}
