import type { Config } from '../../config/config.ts';
import { JavaService } from './java-service.ts';
import type { Layout } from './layout.ts';

/** A Kafka Connect distributed worker with the Debezium Postgres plugin on its plugin.path. */
export function connectService(config: Config, paths: Layout): JavaService {
  const s = config.settings;
  const properties = [
    `bootstrap.servers=${config.brokers.join(',')}`,
    'group.id=cqrsctl-connect',
    'key.converter=org.apache.kafka.connect.json.JsonConverter',
    'value.converter=org.apache.kafka.connect.json.JsonConverter',
    'config.storage.topic=cqrsctl_connect_configs',
    'offset.storage.topic=cqrsctl_connect_offsets',
    'status.storage.topic=cqrsctl_connect_statuses',
    // A single broker cannot hold replicas: without these the storage topics are never created.
    'config.storage.replication.factor=1',
    'offset.storage.replication.factor=1',
    'status.storage.replication.factor=1',
    // Source offsets flushed five times a second keep the replay window after a crash short and let the
    // replicator's watermark (read-your-writes) follow a write within a few hundred milliseconds.
    'offset.flush.interval.ms=200',
    `listeners=http://${s.host}:${s.connectPort}`,
    `rest.advertised.host.name=${s.host}`,
    `rest.advertised.port=${s.connectPort}`,
    `plugin.path=${paths.pluginPath}`,
    'connector.client.config.override.policy=All',
  ].join('\n');
  return new JavaService(
    {
      name: 'connect',
      mainClass: 'org.apache.kafka.connect.cli.ConnectDistributed',
      heap: '512m',
      files: { 'connect.properties': properties + '\n' },
      args: ['{dir}/connect.properties'],
    },
    paths,
  );
}
