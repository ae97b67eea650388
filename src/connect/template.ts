import { readFileSync } from 'node:fs';
import { replication, type Config } from '../config/config.ts';
import { captureScope, connectorFilters } from '../config/scope.ts';
import { usageError } from '../errors.ts';
import { packagePath } from '../lib/package-root.ts';

export const templatePath = packagePath('connectors', 'leader-cdc.json');

/** Names used on the leader for the connector's slot and publication; derived so two stacks never share one. */
export const slotName = (config: Config) => `cqrsctl_${config.settings.connectorName.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
export const publicationName = (config: Config) => `${slotName(config)}_pub`;

/** The key of the CDC password in the workers' secrets file. */
export const cdcPasswordKey = 'cdc.password';

/**
 * The variables the connector template may use. With a secrets file on the workers, CDC_PASSWORD is a
 * FileConfigProvider reference: Connect resolves it when it starts the task, and the config it stores and
 * shows (GET /connectors/<name>/config) holds only the reference.
 */
function templateVariables(
  config: Config,
  leaderFromConnect: { host: string; port: number },
  secretsFile?: string,
): Record<string, string> {
  const s = config.settings;
  return {
    LEADER_HOST: leaderFromConnect.host,
    LEADER_PORT: String(leaderFromConnect.port),
    CDC_USER: s.cdcUser,
    CDC_PASSWORD: secretsFile ? `\${file:${secretsFile}:${cdcPasswordKey}}` : s.cdcPassword,
    DATABASE: config.leader.database,
    TOPIC_PREFIX: s.topicPrefix,
    SLOT_NAME: slotName(config),
    PUBLICATION_NAME: publicationName(config),
    // An external cluster's size is not cqrsctl's to know: -1 leaves the change topic's copies to the
    // brokers' own default.replication.factor.
    REPLICATION_FACTOR: s.brokers ? '-1' : String(replication(s).factor),
    PARTITIONS: String(s.partitions),
    // What the router sends to <prefix>.changes: every topic of the connector, its transaction topic only
    // when the change topic has one partition (with several, that topic orders the commits: merge.ts).
    STREAMED_TOPICS: `\\Q${s.topicPrefix}.\\E${s.partitions > 1 ? '(?!transaction$)' : ''}.*`,
  };
}

/** Replaces `${NAME}` with its variable; an unknown name is an error rather than an empty string. */
export function renderTemplate(text: string, variables: Record<string, string>, source = templatePath): Record<string, string> {
  const rendered = text.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = variables[name];
    if (value === undefined)
      throw usageError(`${source}: unknown variable \${${name}}`, `Known variables: ${Object.keys(variables).join(', ')}.`);
    return JSON.stringify(value).slice(1, -1);
  });
  const parsed = JSON.parse(rendered) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

/**
 * The template, filled in, plus the capture scope's filters and the leader's TLS (settings the template
 * cannot leave empty).
 */
export const connectorConfig = (config: Config, leaderFromConnect: { host: string; port: number }, secretsFile?: string) => ({
  ...renderTemplate(readFileSync(templatePath, 'utf8'), templateVariables(config, leaderFromConnect, secretsFile)),
  ...connectorFilters(captureScope(config.settings)),
  ...connectorTls(config),
});

/** database.sslmode (Debezium takes libpq's names) and the CA file as the workers see it. */
function connectorTls(config: Config): Record<string, string> {
  const mode = config.leader.sslMode ?? 'disable';
  const ca = config.settings.connectorPgCaFile || config.leader.caFile;
  return { 'database.sslmode': mode, ...(ca && mode.startsWith('verify') ? { 'database.sslrootcert': ca } : {}) };
}
