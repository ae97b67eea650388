import { ExitCode } from '../errors.ts';
import { fromBoundary } from '../lib/boundary.ts';
import type { Output } from './output.ts';

/** The one place an error reaches the user (on stderr); returns the exit code. */
export function reportError(e: unknown, debug: boolean, output: Output): number {
  const color = output.errColor;
  const known = fromBoundary(e);
  if (known) {
    output.err(`${color.red('error:')} ${known.message}\n`);
    if (known.hint) output.err(`${color.dim('hint:')} ${known.hint}\n`);
    if (debug && known.stack)
      output.err(`${known.stack}\n${known.cause ? `caused by: ${String((known.cause as Error)?.stack ?? known.cause)}\n` : ''}`);
    return known.exitCode;
  }
  output.err(`${color.red('internal error:')} ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  output.err('This is a bug in cqrsctl; please report it with the output above.\n');
  return ExitCode.bug;
}
