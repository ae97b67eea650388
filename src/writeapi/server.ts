import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Commands, NewCustomer, NewOrder, NewProduct, Transition } from './commands.ts';
import { fromBoundary } from '../lib/boundary.ts';
import { ApiError, badRequest, notFound, unavailable } from './api-error.ts';
import { formatLsn, parseLsn } from '../pg/lsn.ts';
import { requireBearerToken } from './auth.ts';
import { createApiMetrics, instrument } from './metrics.ts';
import { queries, type QueryName } from './queries.ts';
import type { ReplicaRouter } from './replica-router.ts';
import * as schemas from './schemas.ts';

export interface ServerDeps {
  commands: Commands;
  router: ReplicaRouter;
  /** How long a read with a token may wait for a replica to catch up before it is answered 503. */
  readTimeoutMs: number;
  /** Leader reachability and position, for /health. */
  leaderPosition: () => Promise<string>;
  logLevel?: string;
  /** When set, every request but /health must carry it as a bearer token (see auth.ts). */
  token?: string;
  /** Receives one line per answered request: time, method, path, status, duration, serving replica, token. */
  requestLog?: (line: string) => void;
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;
const idOf = (req: IdRequest) => Number(req.params.id);

/** Commands (POST/PUT/DELETE) go to the leader; queries (GET) go to the replicas. */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    logger: deps.logLevel ? { level: deps.logLevel } : false,
    // One line per request comes from the onResponse hook below, not pino's two JSON lines.
    disableRequestLogging: true,
    // Reject rather than repair: no type coercion, no silently dropped fields, every problem named at once.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    schemaErrorFormatter: (errors, dataVar) => new Error(errors.map((e) => describeSchemaError(e, dataVar)).join('; ')),
  });
  const { commands: c } = deps;
  if (deps.token) requireBearerToken(app, deps.token);
  const metrics = createApiMetrics();
  instrument(app, metrics);
  if (deps.requestLog) {
    const log = deps.requestLog;
    app.addHook('onResponse', async (req, reply) => {
      const servedBy = reply.getHeader('served-by');
      const token = reply.getHeader('consistency-token') ?? req.headers['consistency-token'];
      log(
        `${new Date().toISOString()} ${req.method} ${req.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms${servedBy ? ` served-by=${servedBy}` : ''}${token ? ` token=${token}` : ''}`,
      );
    });
  }
  const params = { params: schemas.idParams };
  // Commands take JSON only: fastify would also parse text/plain, which then fails as "body must be object".
  app.removeContentTypeParser('text/plain');
  // PostgreSQL text cannot hold U+0000; refused here, it is the client's 400 rather than the database's 500.
  app.addHook('preValidation', async (req) => {
    const where = nulCharacterIn(req.body, 'body');
    if (where) throw badRequest(`${where} contains the character U+0000, which PostgreSQL text cannot store`);
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, _req, reply) => {
    if (error instanceof ApiError && error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
    let status = error.statusCode ?? 500;
    let message = error.message;
    const known = fromBoundary(error);
    if (known?.retriable) {
      status = 503;
      message = `a database is unreachable: ${error.message}`;
      reply.header('retry-after', '1');
    } else if (known && /^22/.test(String((error as { code?: unknown }).code))) {
      // Data exceptions (a value out of range, malformed for its type): the request's fault.
      status = 400;
      message = `the database refused a value: ${error.message}`;
    } else if (status >= 500 && !(error instanceof ApiError)) {
      // Only the unexpected is logged; a 503 for a token not yet applied is an answer, not a fault.
      app.log.error(error);
    }
    reply.code(status).send({ statusCode: status, error: reasonOf(status), message });
  });

  // A command answers with what it touched and its token, the token also as a header for scripts.
  const command =
    <R extends { token: string }>(status: number, run: (req: IdRequest) => Promise<R>) =>
    async (req: IdRequest, reply: FastifyReply) => {
      const result = await run(req);
      reply.code(status).header('consistency-token', result.token);
      return result;
    };
  const body = <T>(req: FastifyRequest) => req.body as T;

  app.post(
    '/customers',
    { schema: { body: schemas.newCustomer } },
    command(201, (req) => c.createCustomer(body<NewCustomer>(req))),
  );
  app.delete(
    '/customers/:id',
    { schema: params },
    command(200, (req) => c.deleteCustomer(idOf(req))),
  );
  app.post(
    '/products',
    { schema: { body: schemas.newProduct } },
    command(201, (req) => c.createProduct(body<NewProduct>(req))),
  );
  app.put(
    '/products/:id/price',
    { schema: { ...params, body: schemas.newPrice } },
    command(200, (req) => c.updatePrice(idOf(req), body<{ price: string }>(req).price)),
  );
  app.post(
    '/orders',
    { schema: { body: schemas.newOrder } },
    command(201, (req) => c.placeOrder(body<NewOrder>(req))),
  );
  for (const action of ['pay', 'ship', 'cancel'] as Transition[]) {
    app.post(
      `/orders/:id/${action}`,
      { schema: params },
      command(200, (req) => c.changeOrder(idOf(req), action)),
    );
  }

  const waitFor = async (token: bigint) => {
    const end = metrics.tokenWait.startTimer();
    try {
      return await deps.router.caughtUp(token, deps.readTimeoutMs);
    } finally {
      end();
    }
  };
  const read = (name: QueryName, what: string) => async (req: IdRequest, reply: FastifyReply) => {
    const token = tokenOf(req);
    const candidates = token === undefined ? deps.router.rotation() : await waitFor(token);
    if (!candidates.length) {
      const at = deps.router
        .positions()
        .map((p) => `${p.name} at ${formatLsn(p.appliedThrough)}`)
        .join(', ');
      // A token beyond the leader's own position was not issued by this stack: waiting will not help.
      const leader = await deps.leaderPosition().then(parseLsn, () => undefined);
      const ahead =
        leader !== undefined && token! > leader
          ? `; the leader itself is only at ${formatLsn(leader)}, so this token did not come from this stack`
          : '; retry later';
      throw unavailable(`no replica has applied ${formatLsn(token!)} within ${deps.readTimeoutMs} ms (${at})${ahead}`);
    }
    let lastError: unknown;
    for (const replica of candidates) {
      try {
        const doc = await queries[name](replica.sql, idOf(req));
        reply.header('served-by', replica.name);
        if (!doc) throw notFound(`${what} ${idOf(req)} does not exist`);
        return doc;
      } catch (e) {
        if (!fromBoundary(e)?.retriable) throw e;
        lastError = e;
      }
    }
    throw unavailable(`no replica could answer: ${(lastError as Error).message}`);
  };
  app.get('/customers/:id', { schema: params }, read('customer', 'customer'));
  app.get('/customers/:id/orders', { schema: params }, read('customerOrders', 'customer'));
  app.get('/products/:id', { schema: params }, read('product', 'product'));
  app.get('/orders/:id', { schema: params }, read('order', 'order'));

  // ok: everything answers. degraded: some replica is down (reads go to the others). down (503): the
  // leader or every replica is unreachable, so commands or queries cannot be served.
  app.get('/health', async (_req, reply) => {
    const [leader, positions] = await Promise.all([
      deps.leaderPosition().catch((e: Error) => ({ error: e.message })),
      deps.router.refresh(),
    ]);
    const replicas = positions.map((p) => ({
      name: p.name,
      state: p.error ? 'down' : 'up',
      appliedThrough: formatLsn(p.appliedThrough),
      ...(p.error ? { error: p.error } : {}),
    }));
    const up = replicas.filter((r) => r.state === 'up').length;
    const status = typeof leader !== 'string' || up === 0 ? 'down' : up < replicas.length ? 'degraded' : 'ok';
    if (status === 'down') reply.code(503);
    return { status, leader, replicas };
  });
  return app;
}

/** The token a read must not be older than: the Consistency-Token header, or ?token= for curl users. */
function tokenOf(req: FastifyRequest): bigint | undefined {
  const raw = req.headers['consistency-token'] ?? (req.query as { token?: string }).token;
  if (raw === undefined || raw === '') return undefined;
  const token = parseLsn(String(raw));
  if (token === undefined) throw badRequest(`consistency token "${String(raw)}" is not a WAL position such as 0/16B3748`);
  return token;
}

/** ajv's message, plus the name of an unknown field, which ajv keeps in params only. */
function describeSchemaError(e: { instancePath: string; message?: string; params: Record<string, unknown> }, dataVar: string): string {
  const where = `${dataVar}${e.instancePath}`;
  if (typeof e.params.additionalProperty === 'string') return `${where} has unknown property "${e.params.additionalProperty}"`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

const reasons: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  503: 'Service Unavailable',
};
const reasonOf = (status: number) => reasons[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');

/** The path of the first string (or key) holding U+0000 in a parsed JSON body, e.g. `body.attributes.note`. */
function nulCharacterIn(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return path;
    const found = nulCharacterIn(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}
