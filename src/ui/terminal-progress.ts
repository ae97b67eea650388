import ora, { type Ora } from 'ora';
import type { Progress, StepOptions } from '../progress.ts';
import type { Output } from './output.ts';

const PLAIN_UPDATE_MS = 5000;

/**
 * Spinners on a terminal, one plain line per finished step elsewhere (pipes, CI logs, a terminal of zero
 * width), with the step's latest detail every 5 s while it runs. Progress goes to stderr so that stdout stays clean for --json and for pipes.
 */
export function terminalProgress(output: Output): Progress {
  const color = output.errColor;
  return {
    async step<T>(title: string, run: (update: (detail: string) => void) => Promise<T>, options: StepOptions<T> = {}) {
      const started = Date.now();
      const elapsed = () => color.dim(`(${((Date.now() - started) / 1000).toFixed(1)}s)`);
      const spinner = output.canRedraw() ? startSpinner(title, output) : undefined;
      const end = (ok: boolean) => {
        const line = `${title} ${elapsed()}`;
        if (spinner?.isSpinning) {
          if (ok) spinner.succeed(line);
          else spinner.fail(line);
        } else {
          output.err(`${ok ? color.green('✔') : color.red('✖')} ${line}\n`);
        }
      };
      // Without a spinner, a long step still shows how it goes: its latest detail every few seconds.
      let printed = Date.now();
      try {
        const result = await run((detail) => {
          if (spinner?.isSpinning) spinner.text = `${title} ${color.dim(detail)}`;
          else if (Date.now() - printed >= PLAIN_UPDATE_MS) {
            printed = Date.now();
            output.err(`… ${title} ${color.dim(`${detail} ${elapsed()}`)}\n`);
          }
        });
        end(!options.failed?.(result));
        return result;
      } catch (e) {
        end(false);
        throw e;
      } finally {
        if (spinner?.isSpinning) spinner.stop();
      }
    },
    info: (message) => output.err(`${message}\n`),
    warn: (message) => output.err(`${color.yellow('!')} ${message}\n`),
  };
}

/**
 * A spinner that stops (and leaves the step to end as a plain line) if the terminal shrinks to zero width
 * while it spins. Node updates `columns` and emits 'resize' in the same tick, so the spinner is stopped
 * before it can render a frame for a zero-width terminal.
 */
function startSpinner(title: string, output: Output): Ora {
  const stderr = output.stderr as NodeJS.WriteStream;
  const spinner = ora({ text: title, stream: stderr }).start();
  const onResize = () => {
    if ((stderr.columns ?? 0) > 0) return;
    spinner.stop();
    output.err(`${title} …\n`);
  };
  stderr.on('resize', onResize);
  const stop = spinner.stop.bind(spinner);
  spinner.stop = () => {
    stderr.off('resize', onResize);
    return stop();
  };
  return spinner;
}
