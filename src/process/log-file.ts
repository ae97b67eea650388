import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs';
import { once } from 'node:events';
import { parseLogTime } from '../lib/time.ts';

/**
 * The last `lines` lines of a log file ('' when it does not exist, or for 0 lines); with `since`, only the
 * lines logged at or after it.
 */
export function tailFile(path: string, lines: number, since?: Date): string {
  if (!existsSync(path) || lines <= 0) return '';
  let all = readFileSync(path, 'utf8').trimEnd().split('\n');
  if (since) all = linesSince(all, since);
  return (lines === Infinity ? all : all.slice(-lines)).join('\n');
}

/**
 * The lines logged at or after `since`. A line without a time of its own (a stack trace's, a message's
 * continuation) goes with the line above it; lines before the first timed one are left out.
 */
export function linesSince(lines: string[], since: Date): string[] {
  let keep = false;
  return lines.filter((line) => {
    const at = parseLogTime(line);
    if (at) keep = at.getTime() >= since.getTime();
    return keep;
  });
}

/** Prints a log file (or its tail), then, when following, every line appended to it until aborted. */
export async function printLogFile(
  path: string,
  options: { tail?: number; since?: Date; follow: boolean; out: NodeJS.WritableStream; signal?: AbortSignal },
): Promise<void> {
  const text = tailFile(path, options.tail ?? Infinity, options.since);
  if (text) options.out.write(text + '\n');
  if (!options.follow) return;
  let position = existsSync(path) ? statSync(path).size : 0;
  const watcher = watch(path.replace(/\/[^/]*$/, ''), { persistent: true });
  // The timer and the watcher both ask for a drain; they run one after the other, each from where the
  // previous one ended, so no range is read twice.
  let draining = Promise.resolve();
  const drain = () => (draining = draining.then(copyNew, copyNew));
  const copyNew = async () => {
    if (!existsSync(path)) return;
    const size = statSync(path).size;
    if (size < position) position = 0; // truncated or replaced: start again
    if (size === position) return;
    const stream = createReadStream(path, { start: position, end: size - 1 });
    stream.pipe(options.out as NodeJS.WritableStream, { end: false });
    await once(stream, 'end');
    position = size;
  };
  try {
    const tick = setInterval(() => void drain(), 500);
    options.signal?.addEventListener('abort', () => clearInterval(tick));
    watcher.on('change', () => void drain());
    await once(options.signal ?? new AbortController().signal, 'abort');
  } catch {
    // aborted
  } finally {
    watcher.close();
  }
}
