import { Chalk } from 'chalk';

/** Colour only for a terminal, and never when NO_COLOR is set. */
const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const color = new Chalk({ level: useColor ? 1 : 0 });

/**
 * Whether stderr can redraw a line in place (spinners, live lines): a terminal of known, non-zero width,
 * outside CI. A pseudo-terminal of size 0×0 (`script`, some CI runners, `docker run -t`) counts as not
 * interactive: a spinner there cannot compute how many lines to erase.
 */
export const canRedraw = (): boolean => Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0 && !process.env.CI;
/** canRedraw() when the command started. */
export const interactive = canRedraw();
