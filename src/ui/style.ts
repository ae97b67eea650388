/** An output stream as cqrsctl looks at it: a terminal (of some width) or not. */
export type Stream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * Colour for one stream: never when NO_COLOR is set (to anything), always when FORCE_COLOR is (other than
 * "0"), otherwise only on a terminal. Decided per stream: `cqrsctl status | less` keeps coloured errors.
 */
export const colorsFor = (stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean => {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0';
  return Boolean(stream.isTTY);
};

/**
 * Whether a stream can redraw a line in place (spinners, live lines): a terminal of known, non-zero width,
 * outside CI. A pseudo-terminal of size 0×0 (`script`, some CI runners, `docker run -t`) counts as not
 * interactive: a spinner there cannot compute how many lines to erase.
 */
export const canRedraw = (stream: Stream, env: NodeJS.ProcessEnv = process.env): boolean =>
  Boolean(stream.isTTY) && (stream.columns ?? 0) > 0 && !env.CI;
