import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';

/** The write API's Prometheus metrics; one set per server, so two servers in one process (tests) do not clash. */
export function createApiMetrics() {
  const registry = new Registry();
  const latency = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  return {
    registry,
    requests: new Counter({
      name: 'cqrsctl_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'cqrsctl_http_request_seconds',
      help: 'Time to answer an HTTP request, by route pattern',
      labelNames: ['route'] as const,
      buckets: latency,
      registers: [registry],
    }),
    tokenWait: new Histogram({
      name: 'cqrsctl_read_token_wait_seconds',
      help: 'Time a read with a consistency token waited for a replica to apply it',
      buckets: latency,
      registers: [registry],
    }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/**
 * Counts every answered request under its route pattern (/orders/:id, never /orders/42: one series per
 * route, not per id; unmatched paths count as "unmatched") and serves GET /metrics.
 */
export function instrument(app: FastifyInstance, m: ApiMetrics): void {
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    m.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    m.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', m.registry.contentType);
    return m.registry.metrics();
  });
}
