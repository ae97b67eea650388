import { Writable } from 'node:stream';
import { outputOf, type Output } from '../../src/ui/output.ts';

/** A stream that keeps what is written to it, a terminal or not. */
function textStream(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { isTTY: boolean; text: string };
  return Object.assign(stream, { isTTY, text: '' });
}

/**
 * An Output whose stdout and stderr are kept for the test to read: no colour unless `tty` says a stream
 * is a terminal (and `env` has no NO_COLOR). Writes land synchronously.
 */
export function capturedOutput(options: { tty?: { stdout?: boolean; stderr?: boolean }; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = textStream(options.tty?.stdout ?? false);
  const stderr = textStream(options.tty?.stderr ?? false);
  const output: Output = outputOf(stdout, stderr, options.env ?? {});
  return { output, stdout: () => stdout.text, stderr: () => stderr.text };
}
