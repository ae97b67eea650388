import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.ts';

/** Open without a token: liveness probes (load balancers, `up --detach`) cannot send one. */
const open = new Set(['/health']);

/**
 * With a token, every request but /health needs `Authorization: Bearer <token>`, or it is answered 401.
 * Both sides are hashed first, so the comparison takes the same time whatever the length or the first
 * differing byte of what was sent.
 */
export function requireBearerToken(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  app.addHook('onRequest', async (req, reply) => {
    if (open.has(req.url.split('?')[0])) return;
    const header = req.headers.authorization ?? '';
    const sent = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
    if (sent && timingSafeEqual(digest(sent), expected)) return;
    reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="cqrsctl"')
      .send({ statusCode: 401, error: 'Unauthorized', message: 'this API requires Authorization: Bearer <writeApiToken>' });
    return reply;
  });
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The headers a client of this stack's write API sends (the token when one is set). */
export const writeApiHeaders = (config: Config): Record<string, string> =>
  config.settings.writeApiToken ? { authorization: `Bearer ${config.settings.writeApiToken}` } : {};
