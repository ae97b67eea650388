import { join } from 'node:path';
import { connectWorkerName, replication, type Config } from '../../config/config.ts';
import { JavaService } from './java-service.ts';
import { kafkaClientProperties } from './kafka-properties.ts';
import type { Layout } from './layout.ts';

/** Where the native worker keeps the secrets its connectors reference (`${file:<path>:cdc.password}`). */
export const connectSecretsPath = (paths: Layout) => join(paths.service('connect').dir, 'secrets.properties');

/**
 * Kafka Connect distributed worker `worker` (1-based) with the Debezium Postgres plugin on its plugin.path.
 * Every worker joins one group, so the connector and its task move to another worker when theirs dies. It
 * speaks to the broker as the Kafka settings say, resolves `${file:…}` references (so registered connectors
 * need not hold passwords), and with connectPassword set its REST API requires basic auth. `extra`
 * properties come last and win (tests use them for an https listener).
 */
export function connectService(config: Config, paths: Layout, worker: number, extra: string[] = []): JavaService {
  const s = config.settings;
  const port = s.connectPort + worker - 1;
  const { factor } = replication(s);
  const dir = paths.service(connectWorkerName(s.connectWorkers, worker)).dir;
  const basicAuth = s.connectPassword !== '';
  const properties = [
    `bootstrap.servers=${config.brokers.join(',')}`,
    'group.id=cqrsctl-connect',
    'key.converter=org.apache.kafka.connect.json.JsonConverter',
    'value.converter=org.apache.kafka.connect.json.JsonConverter',
    'config.storage.topic=cqrsctl_connect_configs',
    'offset.storage.topic=cqrsctl_connect_offsets',
    'status.storage.topic=cqrsctl_connect_statuses',
    // The storage topics need as many brokers as their replication factor or they are never created.
    `config.storage.replication.factor=${factor}`,
    `offset.storage.replication.factor=${factor}`,
    `status.storage.replication.factor=${factor}`,
    // Connect's default already, written out: an event counts as sent once every in-sync replica has it.
    'producer.acks=all',
    // Source offsets flushed five times a second keep the replay window after a crash short and let the
    // replicator's watermark (read-your-writes) follow a write within a few hundred milliseconds.
    'offset.flush.interval.ms=200',
    `listeners=http://${s.host}:${port}`,
    `rest.advertised.host.name=${s.host}`,
    `rest.advertised.port=${port}`,
    `plugin.path=${paths.pluginPath}`,
    'connector.client.config.override.policy=All',
    'config.providers=file',
    'config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider',
    ...kafkaClientProperties(s),
    ...(basicAuth ? ['rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension'] : []),
    // A dead worker's connector and task wait this long for it to come back before moving (default 5 min).
    ...(s.connectWorkers > 1 ? ['scheduled.rebalance.max.delay.ms=5000'] : []),
    ...extra,
  ].join('\n');
  const files: Record<string, string> = { 'connect.properties': properties + '\n' };
  if (basicAuth) {
    files['rest-jaas.conf'] =
      `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${join(dir, 'rest-users.properties')}";\n};\n`;
    files['rest-users.properties'] = `${s.connectUser}: ${s.connectPassword}\n`;
  }
  return new JavaService(
    {
      name: connectWorkerName(s.connectWorkers, worker),
      mainClass: 'org.apache.kafka.connect.cli.ConnectDistributed',
      heap: '512m',
      files,
      secretFiles: ['connect.properties', 'rest-users.properties'],
      jvmArgs: basicAuth ? ['-Djava.security.auth.login.config={dir}/rest-jaas.conf'] : [],
      args: ['{dir}/connect.properties'],
    },
    paths,
  );
}
