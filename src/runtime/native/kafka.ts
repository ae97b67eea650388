import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerNodes, replication, type BrokerNode, type Config } from '../../config/config.ts';
import { CqrsError } from '../../errors.ts';
import { JavaService } from './java-service.ts';
import type { Layout } from './layout.ts';

/**
 * One Apache Kafka node in KRaft combined mode (broker and controller in one JVM). Every node of a cluster
 * votes in the controller quorum, so a three-node cluster keeps a controller with one node down. `extra`
 * properties come last and win (tests use them for a SASL_SSL listener).
 */
export function brokerService(
  config: Config,
  paths: Layout,
  node: BrokerNode,
  extra: string[] = [],
): JavaService & { format(): Promise<void> } {
  const s = config.settings;
  const nodes = brokerNodes(s);
  const data = paths.service(node.name).data;
  const { factor, minInsync } = replication(s);
  const properties = [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${nodes.map((n) => `${n.id}@${n.host}:${n.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://${node.host}:${node.port},CONTROLLER://${node.host}:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${node.address}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${data}`,
    'num.partitions=1',
    // Internal topics need as many brokers as their replication factor or they are never created.
    `default.replication.factor=${factor}`,
    `min.insync.replicas=${minInsync}`,
    `offsets.topic.replication.factor=${factor}`,
    `transaction.state.log.replication.factor=${factor}`,
    `transaction.state.log.min.isr=${minInsync}`,
    `share.coordinator.state.topic.replication.factor=${factor}`,
    `share.coordinator.state.topic.min.isr=${minInsync}`,
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    ...extra,
  ].join('\n');
  const service = new JavaService(
    {
      name: node.name,
      mainClass: 'kafka.Kafka',
      heap: '512m',
      files: { 'server.properties': properties + '\n' },
      args: ['{dir}/server.properties'],
    },
    paths,
  );

  /** Storage is formatted once, every node with the cluster's id; later starts reuse it. */
  const format = async () => {
    if (existsSync(join(data, 'meta.properties'))) return;
    service.writeFiles();
    const r = await service.runTool('kafka.tools.StorageTool', [
      'format',
      '-t',
      clusterId(paths, nodes.length),
      '-c',
      join(service.dir, 'server.properties'),
    ]);
    if (r.exitCode !== 0)
      throw new CqrsError(`formatting the storage of ${node.name} failed:\n${r.all}`, `Remove ${data} and run \`cqrsctl up\` again.`);
  };
  return Object.assign(service, { format });
}

/**
 * The id every node of a cluster is formatted with, kept in the state dir so a node formatted later (its
 * data removed) joins the same cluster. A single node needs no record.
 */
function clusterId(paths: Layout, nodes: number): string {
  if (nodes === 1) return newClusterId();
  const file = join(paths.home, 'kafka-cluster-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = newClusterId();
  mkdirSync(paths.home, { recursive: true });
  writeFileSync(file, id + '\n');
  return id;
}

/**
 * A Kafka cluster id as `kafka-storage random-uuid` makes one (16 random bytes, base64url), made here to
 * save a JVM start on a cold `up`; Kafka refuses ids that begin with a dash.
 */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
