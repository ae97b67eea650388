import { brokerNodes, connectWorkerName, type Config } from '../../config/config.ts';
import { usageError } from '../../errors.ts';
import { shapeKafkaServices } from './cluster.ts';
import type { Env } from './interpolate.ts';
import type { ComposeProject } from './compose-file.ts';

/** cqrsctl's service names ↔ the compose file's keys (the seed's names: pg-leader, redpanda, …; a cluster's broker-N and connect-N are both). */
export function composeKeyOf(name: string): string {
  if (name === 'leader') return 'pg-leader';
  if (name === 'broker') return 'redpanda';
  if (/^replica-\d+$/.test(name)) return `pg-${name}`;
  return name;
}

export function serviceNameOf(key: string): string {
  if (key === 'pg-leader') return 'leader';
  if (key === 'redpanda') return 'broker';
  return key.replace(/^pg-(replica-\d+)$/, '$1');
}

/** cqrsctl's services in start order. */
export const serviceNames = (config: Config) => [
  'leader',
  ...config.replicas.map((r) => r.name),
  ...brokerNodes(config.settings).map((n) => n.name),
  ...connectWorkerNames(config),
];

export const connectWorkerNames = (config: Config) =>
  Array.from({ length: config.settings.connectWorkers }, (_, i) => connectWorkerName(config.settings.connectWorkers, i + 1));

/** The setting that moves a service's host port, named in "port taken" errors. */
export const portSettingOf = (name: string) =>
  name === 'leader'
    ? 'leaderPort'
    : /^broker(-\d+)?$/.test(name)
      ? 'brokerPort'
      : /^connect(-\d+)?$/.test(name)
        ? 'connectPort'
        : 'replicaBasePort';

/**
 * The variables the compose file reads, from the resolved config: these win over the shell and .env,
 * so flags and cqrsctl.config.json move the containers exactly as they move the native processes.
 */
export function composeVariables(config: Config): Env {
  const s = config.settings;
  const vars: Env = {
    CQRSCTL_COMPOSE_PROJECT: s.composeProject,
    CQRSCTL_HOST: s.host,
    CQRSCTL_LEADER_PORT: String(s.leaderPort),
    CQRSCTL_BROKER_PORT: String(s.brokerPort),
    CQRSCTL_CONNECT_PORT: String(s.connectPort),
    CQRSCTL_DB_USER: s.dbUser,
    CQRSCTL_DB_PASSWORD: s.dbPassword,
    CQRSCTL_DATABASE: s.database,
  };
  config.replicas.forEach((r, i) => {
    vars[`CQRSCTL_REPLICA_${i + 1}_PORT`] = String(r.port);
  });
  return vars;
}

/**
 * Keeps the services cqrsctl runs (replicas beyond --replicas are left out), the broker and Connect
 * services shaped to the cluster the settings ask for; fails when the file lacks one.
 */
export function selectServices(file: ComposeProject, config: Config): ComposeProject {
  const p = shapeKafkaServices(file, config);
  const keys = serviceNames(config).map(composeKeyOf);
  const missing = keys.filter((k) => !p.services[k]);
  if (missing.length) {
    throw usageError(
      `the compose file defines no service ${missing.join(', ')}`,
      `${p.configFiles[0]} has ${Object.keys(p.services).join(', ')}; lower --replicas or add the services.`,
    );
  }
  return { ...p, services: Object.fromEntries(keys.map((k) => [k, p.services[k]])) };
}
