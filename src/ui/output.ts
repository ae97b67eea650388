import { Chalk, type ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { canRedraw, colorsFor, type Stream } from './style.ts';

/**
 * Where a command's text goes, passed to it in its context (src/commands/context.ts) so that a test can
 * capture it. Results go to `out` (stdout: what a pipe or a script reads); progress, warnings, errors and
 * --debug lines go to `err` (stderr). Each has its own colours, decided for its own stream.
 */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Colours for text written to `out`, and to `err`. */
  color: ChalkInstance;
  errColor: ChalkInstance;
  /** The streams themselves, for what needs one: a spinner (stderr), a log copied as it grows (stdout). */
  stdout: Stream;
  stderr: Stream;
  /** Whether stderr can redraw a line in place (see canRedraw). */
  canRedraw(): boolean;
}

export function outputOf(stdout: Stream, stderr: Stream, env: NodeJS.ProcessEnv = process.env): Output {
  return {
    out: (text) => void stdout.write(text),
    err: (text) => void stderr.write(text),
    color: new Chalk({ level: colorsFor(stdout, env) ? 1 : 0 }),
    errColor: new Chalk({ level: colorsFor(stderr, env) ? 1 : 0 }),
    stdout,
    stderr,
    canRedraw: () => canRedraw(stderr, env),
  };
}

/** The process's own stdout and stderr. */
export const processOutput = (): Output => outputOf(process.stdout, process.stderr);

const outputs = new WeakMap<Command, Output>();

/** Where the commands of `program` write: the CLI gives the process's streams, a test one it reads back. */
export function useOutput(program: Command, output: Output): void {
  outputs.set(program, output);
}

/** The output the commands of the program that holds `command` write to. */
export function outputFor(command: Command): Output {
  let program = command;
  while (program.parent) program = program.parent;
  return outputs.get(program) ?? processOutput();
}

/** A value as `--json` prints it. */
export const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/**
 * A reader that goes away (`cqrsctl events tail | head -1`) ends the command quietly, as it ends `cat`:
 * Node ignores SIGPIPE, so a write to a closed pipe is an EPIPE 'error' event, which unhandled would
 * print a stack trace. Nothing is left to say to a reader that is gone, so the process exits at once.
 */
export function endQuietlyWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}
