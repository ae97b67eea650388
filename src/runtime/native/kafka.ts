import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/config.ts';
import { CqrsError } from '../../errors.ts';
import { JavaService } from './java-service.ts';
import type { Layout } from './layout.ts';

/**
 * Apache Kafka in KRaft combined mode (broker and controller in one JVM), single node. `extra` properties
 * come last and win (tests use them for a SASL_SSL listener).
 */
export function brokerService(config: Config, paths: Layout, extra: string[] = []): JavaService & { format(): Promise<void> } {
  const s = config.settings;
  const data = paths.service('broker').data;
  const properties = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${s.host}:${s.controllerPort}`,
    `listeners=PLAINTEXT://${s.host}:${s.brokerPort},CONTROLLER://${s.host}:${s.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${s.host}:${s.brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${data}`,
    'num.partitions=1',
    // One broker: every internal topic must have replication factor 1 or it is never created.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    ...extra,
  ].join('\n');
  const service = new JavaService(
    {
      name: 'broker',
      mainClass: 'kafka.Kafka',
      heap: '512m',
      files: { 'server.properties': properties + '\n' },
      args: ['{dir}/server.properties'],
    },
    paths,
  );

  /** Storage is formatted once, with a fresh cluster id; later starts reuse it. */
  const format = async () => {
    if (existsSync(join(data, 'meta.properties'))) return;
    service.writeFiles();
    const clusterId = newClusterId();
    const r = await service.runTool('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', join(service.dir, 'server.properties')]);
    if (r.exitCode !== 0)
      throw new CqrsError(`formatting the broker's storage failed:\n${r.all}`, `Remove ${data} and run \`cqrsctl up\` again.`);
  };
  return Object.assign(service, { format });
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
