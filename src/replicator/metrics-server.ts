import { createServer } from 'node:http';
import postgres from 'postgres';
import type { Config } from '../config/config.ts';
import { listen } from '../lib/http.ts';
import { connectClientOf, ConnectClient } from '../connect/client.ts';
import { slotName } from '../connect/template.ts';
import { CqrsError, ExitCode } from '../errors.ts';
import { readSlot } from '../pg/slot.ts';
import { pgClient } from '../pg/client.ts';
import { connectorStates, metrics, registry, replicaStates, setState, walStatuses } from './metrics.ts';
import type { Replicator } from './replicator.ts';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the replicator's /metrics on host:metricsPort. At each scrape it samples what has a state rather
 * than events: each replica's lag and state and applied LSN, the connector and its tasks, the slot.
 */
export async function startMetricsServer(config: Config, replicator: Replicator, log: (line: string) => void): Promise<MetricsServer> {
  const leader = pgClient(config.leader, { connect_timeout: 2, idle_timeout: 30, connection: { application_name: 'cqrsctl-metrics' } });
  const connect = connectClientOf(config);
  const sample = async () => {
    sampleReplicas(replicator);
    await Promise.all([
      sampleConnector(connect, config.settings.connectorName).catch((e: Error) => log(`metrics: connector: ${e.message}`)),
      sampleSlot(leader, slotName(config)).catch((e: Error) => log(`metrics: slot: ${e.message}`)),
    ]);
  };
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    sample()
      .then(() => registry.metrics())
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch((e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${e.message}\n`));
  });
  const { host, metricsPort } = config.settings;
  await listen(server, host, metricsPort).catch(async (e: NodeJS.ErrnoException) => {
    await leader.end({ timeout: 1 });
    if (e.code === 'EADDRINUSE') {
      throw new CqrsError(
        `metrics port ${metricsPort} is already in use`,
        'Another replicator may be running (`cqrsctl status`); or move it with --metrics-port / CQRSCTL_METRICS_PORT.',
        ExitCode.usage,
        { cause: e },
      );
    }
    throw e;
  });
  return {
    url: `http://${host}:${metricsPort}/metrics`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await leader.end({ timeout: 1 });
    },
  };
}

function sampleReplicas(replicator: Replicator): void {
  for (const s of replicator.stats()) {
    const replica = s.name;
    setState(metrics.replicaState, { replica }, 'state', replicaStates, s.state);
    // Another member reports the lag of a replica it owns; two series for one replica would disagree.
    if (s.state === 'elsewhere') {
      metrics.lagEvents.remove({ replica });
      metrics.lagSeconds.remove({ replica });
      continue;
    }
    metrics.lagEvents.set({ replica }, s.lagEvents);
    if (s.lagMs === null) metrics.lagSeconds.remove({ replica });
    else metrics.lagSeconds.set({ replica }, s.lagMs / 1000);
    if (s.appliedLsn !== null) metrics.appliedLsn.set({ replica }, Number(s.appliedLsn));
  }
}

async function sampleConnector(connect: ConnectClient, connector: string): Promise<void> {
  metrics.connectorState.reset();
  const s = await connect.status(connector).catch(() => undefined);
  setState(metrics.connectorState, { connector, task: 'connector' }, 'state', connectorStates, s?.connector.state ?? 'UNKNOWN');
  for (const t of s?.tasks ?? []) setState(metrics.connectorState, { connector, task: String(t.id) }, 'state', connectorStates, t.state);
}

async function sampleSlot(leader: postgres.Sql, name: string): Promise<void> {
  const slot = await readSlot(leader, name);
  if (!slot) return;
  metrics.slotRetained.set({ slot: name }, slot.walRetainedBytes);
  metrics.slotSafe.set({ slot: name }, slot.safeWalBytes ?? Infinity);
  setState(metrics.slotStatus, { slot: name }, 'wal_status', walStatuses, slot.walStatus ?? 'unknown');
}
