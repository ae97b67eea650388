import { request as httpRequest, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** PEM of the CA an https:// server's certificate must chain to (Node's fetch takes no CA of its own). */
  ca?: string;
}

export interface HttpAnswer {
  status: number;
  ok: boolean;
  text: string;
}

/** One HTTP(S) request, its answer read whole; network and TLS failures reject with Node's error (its code says which). */
export function requestText(url: string, o: HttpOptions = {}): Promise<HttpAnswer> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: o.method ?? 'GET',
        headers: { ...(o.body === undefined ? {} : { 'content-length': Buffer.byteLength(o.body) }), ...o.headers },
        timeout: o.timeoutMs ?? 30_000,
        ...(o.ca ? { ca: o.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({ status, ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${o.timeoutMs ?? 30_000} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Starts a server listening; a taken port or address rejects (as EADDRINUSE) instead of throwing later. */
export const listen = (server: Server, host: string, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
