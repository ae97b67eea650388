import ora from 'ora';
import type { Progress } from '../progress.ts';
import { color, interactive } from './style.ts';

/**
 * Spinners on a terminal, one plain line per finished step elsewhere (CI logs). Progress goes to stderr
 * so that stdout stays clean for --json and for pipes.
 */
export function terminalProgress(): Progress {
  return {
    async step(title, run) {
      const started = Date.now();
      const elapsed = () => color.dim(`(${((Date.now() - started) / 1000).toFixed(1)}s)`);
      if (!interactive) {
        try {
          const result = await run(() => {});
          process.stderr.write(`${color.green('✔')} ${title} ${elapsed()}\n`);
          return result;
        } catch (e) {
          process.stderr.write(`${color.red('✖')} ${title} ${elapsed()}\n`);
          throw e;
        }
      }
      const spinner = ora({ text: title, stream: process.stderr }).start();
      try {
        const result = await run((detail) => {
          spinner.text = `${title} ${color.dim(detail)}`;
        });
        spinner.succeed(`${title} ${elapsed()}`);
        return result;
      } catch (e) {
        spinner.fail(`${title} ${elapsed()}`);
        throw e;
      }
    },
    info: (message) => process.stderr.write(`${message}\n`),
    warn: (message) => process.stderr.write(`${color.yellow('!')} ${message}\n`),
  };
}
