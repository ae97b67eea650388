import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { usageError } from '../../errors.ts';
import type { LogOptions } from '../runtime.ts';
import { demuxBuffer } from './demux.ts';
import { isNotFound } from './engine.ts';

/**
 * A container's log into options.out, stdout and stderr interleaved as they come. With follow it streams
 * until the container stops or the signal aborts (the socket would otherwise keep Node alive).
 */
export async function containerLogs(docker: Docker, container: string, service: string, options: LogOptions): Promise<void> {
  const ctr = docker.getContainer(container);
  let tty = false;
  try {
    tty = Boolean((await ctr.inspect()).Config.Tty);
  } catch (e) {
    if (isNotFound(e))
      throw usageError(`${service} has no container (${container})`, 'Start the stack with `cqrsctl up --runtime docker`.');
    throw e;
  }
  const tail = options.tail; // undefined: the whole log
  const since = options.since ? Math.floor(options.since.getTime() / 1000) : undefined;
  if (!options.follow) {
    const buf = (await ctr.logs({ stdout: true, stderr: true, tail, since, follow: false })) as unknown as Buffer;
    options.out.write(tty ? buf.toString('utf8') : demuxBuffer(buf));
    return;
  }
  const raw = (await ctr.logs({ stdout: true, stderr: true, tail, since, follow: true })) as unknown as NodeJS.ReadableStream & {
    destroy(): void;
  };
  const out = new PassThrough();
  out.on('data', (chunk) => options.out.write(chunk));
  if (tty) raw.pipe(out);
  else docker.modem.demuxStream(raw, out, out);
  await new Promise<void>((resolve, reject) => {
    const stop = () => {
      raw.destroy();
      resolve();
    };
    if (options.signal?.aborted) return stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    raw.on('end', resolve);
    raw.on('close', resolve);
    raw.on('error', (e) => (options.signal?.aborted ? resolve() : reject(e)));
  });
}
