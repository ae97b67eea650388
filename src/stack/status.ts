import type { Config } from '../config/config.ts';
import { connectClientOf, ConnectHttpError } from '../connect/client.ts';
import { slotName } from '../connect/template.ts';
import { errorMessage } from '../errors.ts';
import { pgClient } from '../pg/client.ts';
import { readSlot, slotWarning, type SlotInfo } from '../pg/slot.ts';
import type { Runtime, ServiceStatus } from '../runtime/runtime.ts';
import { appStatuses } from './apps.ts';
import { kafkaClusterStatus, type KafkaClusterStatus } from './kafka-cluster.ts';
import { diagnose, type Problem } from './problems.ts';
import { replicationStatus, type ReplicaProgress } from '../replicator/status.ts';

export interface StackStatus {
  runtime: { name: string; reason: string };
  services: ServiceStatus[];
  /** `worker` is the Connect worker (host:port, as Connect names it) running the connector or the task; `service` its service name. */
  connector: {
    name: string;
    state: string;
    worker?: string;
    service?: string;
    tasks: { id: number; state: string; worker?: string; service?: string; trace?: string }[];
    trace?: string;
    error?: string;
  };
  /** The broker cluster, when cqrsctl runs several brokers (--broker-count) or uses an external one. */
  kafka?: KafkaClusterStatus;
  slot: (SlotInfo & { warning: string | null }) | { name: string; error: string } | null;
  replication: ReplicaProgress[];
  /** Each replicator (by the member name it claimed with) and the replicas whose owner it is. */
  replicators: { member: string; replicas: string[] }[];
}

/** What `status --json` prints (and the dashboard shows): the status, and every problem with its reason and hint. */
export type StatusReport = StackStatus & { healthy: boolean; problems: Problem[] };

export async function statusReport(config: Config, runtime: Runtime): Promise<StatusReport> {
  const s = await collectStatus(config, runtime);
  const problems = diagnose(s, config);
  return { ...s, healthy: problems.length === 0, problems };
}

/** Everything `status` shows, gathered in parallel; a part that cannot be read says why instead of failing the whole. */
async function collectStatus(config: Config, runtime: Runtime): Promise<StackStatus> {
  const [services, apps, connector, slot, replication, kafka] = await Promise.all([
    runtime.status(),
    appStatuses(config),
    connectorState(config, runtime),
    slotState(config),
    replicationStatus(config),
    // A single broker's state is the broker service's; its metadata would say nothing more. An external
    // cluster's brokers are known only from its metadata.
    config.settings.brokerCount > 1 || runtime.name === 'external' ? kafkaClusterStatus(config) : undefined,
  ]);
  return {
    runtime: { name: runtime.name, reason: runtime.reason },
    services: [...services, ...apps],
    connector,
    slot,
    replication,
    replicators: owners(replication),
    ...(kafka ? { kafka } : {}),
  };
}

async function connectorState(config: Config, runtime: Runtime): Promise<StackStatus['connector']> {
  const name = config.settings.connectorName;
  const service = (worker: string | undefined) => (worker === undefined ? undefined : runtime.connectWorkerOf?.(worker));
  try {
    // A hung worker must not hold `status` up for the client's usual 30 s; a live one answers in milliseconds.
    const s = await connectClientOf(config, 5000).status(name);
    return {
      name,
      state: s.connector.state,
      worker: s.connector.worker_id,
      service: service(s.connector.worker_id),
      trace: s.connector.trace,
      tasks: s.tasks.map((t) => ({ id: t.id, state: t.state, worker: t.worker_id, service: service(t.worker_id), trace: t.trace })),
    };
  } catch (e) {
    if (e instanceof ConnectHttpError && e.status === 404) return { name, state: 'NOT REGISTERED', tasks: [] };
    return { name, state: 'UNKNOWN', tasks: [], error: errorMessage(e) };
  }
}

async function slotState(config: Config): Promise<StackStatus['slot']> {
  const name = slotName(config);
  const sql = pgClient(config.leader, { connect_timeout: 2 });
  try {
    const slot = await readSlot(sql, name);
    return slot ? { ...slot, warning: slotWarning(slot) } : null;
  } catch (e) {
    return { name, error: errorMessage(e) };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function owners(replication: ReplicaProgress[]): StackStatus['replicators'] {
  const by = new Map<string, string[]>();
  for (const r of replication) if (r.owner) by.set(r.owner.member, [...(by.get(r.owner.member) ?? []), r.name]);
  return [...by].sort(([a], [b]) => a.localeCompare(b)).map(([member, replicas]) => ({ member, replicas }));
}
