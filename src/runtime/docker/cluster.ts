import { brokerNodes, connectWorkerName, replication, type BrokerNode, type Config } from '../../config/config.ts';
import { usageError } from '../../errors.ts';
import { brokerHeap, connectHeap, jvmHeapOptions, jvmTuningOptions } from '../jvm.ts';
import { clusterId, replicationProperties } from '../kafka-node.ts';
import type { ComposeProject, ComposeService } from './compose-file.ts';

/** The compose file's broker and Connect services: the templates of every broker and worker. */
const brokerKey = 'redpanda';
const connectKey = 'connect';
/** Where the brokers of a cluster reach each other: Redpanda's RPC port, which the stand-in's KRaft controllers use. */
const rpcPort = 33145;

/**
 * The broker and Connect services as the settings ask. One broker and one worker are the file's `redpanda`
 * and `connect`; with --broker-count N the broker becomes `broker-1..N` (one cluster: each advertises its
 * compose name to the containers and its own host port to the host, and lists every node as a seed), and
 * with --connect-workers N the worker becomes `connect-1..N` (one group, each advertising its compose name
 * so the others can forward REST calls to it). Sizes come from the settings, as on the native runtime:
 * replication factors, the JVMs' heap and collector.
 */
export function shapeKafkaServices(p: ComposeProject, config: Config): ComposeProject {
  const s = config.settings;
  const broker = template(p, brokerKey);
  const worker = template(p, connectKey);
  const nodes = brokerNodes(s);
  const brokers =
    nodes.length === 1
      ? [{ ...broker, environment: { ...broker.environment, ...brokerEnv(config) } }]
      : nodes.map((node) => clusterNode(broker, node, nodes, config));
  const keys = brokers.map((b) => b.key);
  const workers = Array.from({ length: s.connectWorkers }, (_, i): ComposeService => {
    const key = connectWorkerName(s.connectWorkers, i + 1);
    const alone = s.connectWorkers === 1;
    return {
      ...worker,
      key,
      healthcheck: startingTogether(worker, s.connectWorkers),
      ports: alone ? worker.ports : worker.ports.map((port) => ({ ...port, hostPort: String(s.connectPort + i) })),
      environment: { ...worker.environment, ...connectEnv(worker, keys, config), ...(alone ? {} : groupEnv(key)) },
      dependsOn: worker.dependsOn.flatMap((d) => (d.service === brokerKey ? keys.map((service) => ({ ...d, service })) : [d])),
    };
  });
  const services = { ...p.services };
  delete services[brokerKey];
  delete services[connectKey];
  for (const svc of [...brokers, ...workers]) services[svc.key] = svc;
  const volumes = { ...p.volumes };
  for (const b of brokers) for (const m of b.mounts) if (m.type === 'volume') volumes[m.source] ??= `${p.name}_${m.source}`;
  return { ...p, services, volumes };
}

function template(p: ComposeProject, key: string): ComposeService {
  const svc = p.services[key];
  if (!svc)
    throw usageError(`the compose file defines no service ${key}`, `${p.configFiles[0]} has ${Object.keys(p.services).join(', ')}.`);
  return svc;
}

/** Broker N of a cluster: the template's command with its own addresses and the seeds, its own port and volume. */
function clusterNode(broker: ComposeService, node: BrokerNode, nodes: BrokerNode[], config: Config): ComposeService {
  const key = node.name;
  const command = broker.command ?? [];
  const at = command.indexOf('--advertise-kafka-addr');
  if (at < 0 || at + 1 >= command.length)
    throw usageError(
      `the compose file's ${brokerKey} command has no --advertise-kafka-addr`,
      'A broker cluster gives each node its own advertised addresses; restore the flag in the compose file.',
    );
  // The address the containers use names the service; the host's one gets the node's own host port.
  const advertised = command[at + 1]!.split(',')
    .map((listener) => {
      const m = /^([a-z0-9_]+:\/\/)?([^:]+):(\d+)$/i.exec(listener);
      if (!m) return listener;
      const [, scheme = '', host, port] = m;
      return host === brokerKey ? `${scheme}${key}:${port}` : `${scheme}${host}:${node.port}`;
    })
    .join(',');
  return {
    ...broker,
    key,
    command: [
      ...command.slice(0, at + 1),
      advertised,
      ...command.slice(at + 2),
      '--rpc-addr',
      `0.0.0.0:${rpcPort}`,
      '--advertise-rpc-addr',
      `${key}:${rpcPort}`,
      '--seeds',
      nodes.map((n) => `${n.name}:${rpcPort}`).join(','),
    ],
    healthcheck: startingTogether(broker, nodes.length),
    ports: broker.ports.map((port) => ({ ...port, hostPort: String(node.port) })),
    mounts: broker.mounts.map((m) => (m.type === 'volume' ? { ...m, source: `${key}-data` } : m)),
    // Every node is formatted with the same cluster id (the stand-in reads CLUSTER_ID; Redpanda needs none).
    environment: { ...broker.environment, ...brokerEnv(config), CLUSTER_ID: clusterId(config.settings.home, nodes.length) },
  };
}

/**
 * N nodes start at once on one machine, sharing its cores, and a broker answers only once a quorum runs: each
 * gets N times the file's start period (and `up` waits that much longer, see healthBudgetMs).
 */
function startingTogether(svc: ComposeService, nodes: number): ComposeService['healthcheck'] {
  const h = svc.healthcheck;
  return h?.startPeriodNs === undefined ? h : { ...h, startPeriodNs: h.startPeriodNs * nodes };
}

/**
 * The native runtime's JVM options and topic sizes for the stand-in broker, which turns KAFKA_<PROPERTY>
 * variables into server properties as Apache Kafka's image does (Redpanda ignores them).
 */
const brokerEnv = (config: Config): Record<string, string> => ({
  KAFKA_HEAP_OPTS: jvmHeapOptions(brokerHeap).join(' '),
  KAFKA_JVM_PERFORMANCE_OPTS: jvmTuningOptions.join(' '),
  ...Object.fromEntries(replicationProperties(config.settings).map(([k, v]) => [`KAFKA_${k.toUpperCase().replaceAll('.', '_')}`, v])),
});

/** Every broker as the containers reach it, storage topics sized to the cluster, the native runtime's JVM options. */
function connectEnv(worker: ComposeService, brokers: string[], config: Config): Record<string, string> {
  const factor = String(replication(config.settings).factor);
  const bootstrap = (worker.environment.BOOTSTRAP_SERVERS ?? '')
    .split(',')
    .flatMap((a) => (a.startsWith(`${brokerKey}:`) ? brokers.map((b) => b + a.slice(brokerKey.length)) : [a]))
    .join(',');
  return {
    BOOTSTRAP_SERVERS: bootstrap,
    CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: factor,
    CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: factor,
    CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: factor,
    HEAP_OPTS: jvmHeapOptions(connectHeap).join(' '),
    KAFKA_JVM_PERFORMANCE_OPTS: jvmTuningOptions.join(' '),
  };
}

const groupEnv = (key: string): Record<string, string> => ({
  // The worker id Connect reports (and the address the others forward REST calls to) is this name.
  ADVERTISED_HOST_NAME: key,
  // A dead worker's connector and task wait this long for it to come back before moving (default 5 min).
  CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS: '5000',
});
