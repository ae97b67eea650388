import { Chalk } from 'chalk';

/**
 * Colour for one stream: never when NO_COLOR is set (to anything), always when FORCE_COLOR is (other than
 * "0"), otherwise only on a terminal. Decided per stream: `cqrsctl status | less` keeps coloured errors.
 */
export const colorsFor = (stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean => {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0';
  return Boolean(stream.isTTY);
};
/** For results on stdout. */
export const color = new Chalk({ level: colorsFor(process.stdout) ? 1 : 0 });
/** For progress, warnings and errors on stderr. */
export const errColor = new Chalk({ level: colorsFor(process.stderr) ? 1 : 0 });

/**
 * Whether stderr can redraw a line in place (spinners, live lines): a terminal of known, non-zero width,
 * outside CI. A pseudo-terminal of size 0×0 (`script`, some CI runners, `docker run -t`) counts as not
 * interactive: a spinner there cannot compute how many lines to erase.
 */
export const canRedraw = (): boolean => Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0 && !process.env.CI;
/** canRedraw() when the command started. */
export const interactive = canRedraw();
