import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { brokerNodes, type BrokerNode, type Config } from '../../config/config.ts';
import { CqrsError } from '../../errors.ts';
import { brokerHeap } from '../jvm.ts';
import { clusterId, replicationProperties } from '../kafka-node.ts';
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
    ...replicationProperties(s).map(([key, value]) => `${key}=${value}`),
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    ...extra,
  ].join('\n');
  const service = new JavaService(
    {
      name: node.name,
      mainClass: 'kafka.Kafka',
      heap: brokerHeap,
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
      clusterId(paths.home, nodes.length),
      '-c',
      join(service.dir, 'server.properties'),
    ]);
    if (r.exitCode !== 0)
      throw new CqrsError(`formatting the storage of ${node.name} failed:\n${r.all}`, `Remove ${data} and run \`cqrsctl up\` again.`);
  };
  return Object.assign(service, { format });
}
