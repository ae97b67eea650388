import { Chalk } from 'chalk';

/** Colour only for a terminal, and never when NO_COLOR is set. */
const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const color = new Chalk({ level: useColor ? 1 : 0 });
export const interactive = Boolean(process.stderr.isTTY) && !process.env.CI;
