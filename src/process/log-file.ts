import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs';
import { once } from 'node:events';

/** The last `lines` lines of a log file ('' when it does not exist, or for 0 lines). */
export function tailFile(path: string, lines: number): string {
  if (!existsSync(path) || lines <= 0) return '';
  const text = readFileSync(path, 'utf8').trimEnd();
  return lines === Infinity ? text : text.split('\n').slice(-lines).join('\n');
}

/** Prints a log file (or its tail), then, when following, every line appended to it until aborted. */
export async function printLogFile(path: string, options: { tail?: number; follow: boolean; out: NodeJS.WritableStream; signal?: AbortSignal }): Promise<void> {
  const text = tailFile(path, options.tail ?? Infinity);
  if (text) options.out.write(text + '\n');
  if (!options.follow) return;
  let position = existsSync(path) ? statSync(path).size : 0;
  const watcher = watch(path.replace(/\/[^/]*$/, ''), { persistent: true });
  const drain = async () => {
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
