import { isCqrsError } from '../errors.ts';
import { color } from './style.ts';

/** The one place an error reaches the user; returns the exit code. */
export function reportError(e: unknown, debug: boolean): number {
  if (isCqrsError(e)) {
    process.stderr.write(`${color.red('error:')} ${e.message}\n`);
    if (e.hint) process.stderr.write(`${color.dim('hint:')} ${e.hint}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n${e.cause ? `caused by: ${String((e.cause as Error)?.stack ?? e.cause)}\n` : ''}`);
    return e.exitCode;
  }
  process.stderr.write(`${color.red('internal error:')} ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.stderr.write('This is a bug in cqrsctl; please report it with the output above.\n');
  return 1;
}
