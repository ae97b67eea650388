/**
 * Every setting cqrsctl knows, with its default, its type and what it is for. The environment variable of a
 * setting is CQRSCTL_ plus its name in SCREAMING_SNAKE case (leaderPort → CQRSCTL_LEADER_PORT); the config
 * file uses the names as they are.
 */
export const settings = {
  runtime: { default: 'auto', kind: 'enum', values: ['auto', 'docker', 'native', 'external'], doc: 'where the services run' },
  host: { default: '127.0.0.1', kind: 'string', doc: 'address every service binds to and is reached at' },
  leaderPort: { default: 5432, kind: 'port', doc: 'PostgreSQL leader' },
  replicas: { default: 3, kind: 'count', doc: 'number of read replicas' },
  replicaBasePort: { default: 5433, kind: 'port', doc: 'first replica port; replica N listens on base+N-1' },
  brokerCount: { default: 1, kind: 'count', doc: 'Kafka brokers (native and docker runtimes); broker N listens on brokerPort+2(N-1)' },
  brokerPort: { default: 19092, kind: 'port', doc: 'Kafka API for clients' },
  controllerPort: { default: 19093, kind: 'port', doc: 'KRaft controller listener (native runtime); broker N: controllerPort+2(N-1)' },
  connectWorkers: {
    default: 1,
    kind: 'count',
    doc: 'Kafka Connect workers in one group (native and docker runtimes); worker N: connectPort+N-1',
  },
  partitions: {
    default: 1,
    kind: 'count',
    doc: 'partitions of the change topic, keyed by primary key (fixed when the stack is made; see README "Partitions")',
  },
  connectPort: { default: 8083, kind: 'port', doc: 'Kafka Connect REST API' },
  writeApiPort: { default: 8080, kind: 'port', doc: 'write and read HTTP API' },
  metricsPort: {
    default: 9464,
    kind: 'port',
    doc: "replicator's Prometheus /metrics (the write API serves its own on its port); replicator-N: metricsPort+N-1",
  },
  replicators: {
    default: 1,
    kind: 'count',
    doc: 'replicator processes `up --detach` runs; they share the replicas through one Kafka consumer group',
  },
  dashboardPort: { default: 8090, kind: 'port', doc: 'the dashboard page of `cqrsctl dashboard` (always on 127.0.0.1)' },
  database: { default: 'cqrs', kind: 'string', doc: 'database name on the leader and the replicas' },
  dbUser: { default: 'postgres', kind: 'string', doc: 'superuser of the leader and the replicas' },
  dbPassword: { default: 'postgres', kind: 'secret', doc: 'password of dbUser' },
  cdcUser: { default: 'cqrsctl_cdc', kind: 'string', doc: 'role Debezium connects as' },
  cdcPassword: { default: 'cqrsctl_cdc', kind: 'secret', doc: 'password of cdcUser' },
  connectorName: { default: 'leader-cdc', kind: 'string', doc: 'Kafka Connect connector name' },
  topicPrefix: { default: 'leader', kind: 'string', doc: 'Debezium topic.prefix: the change topic is <prefix>.changes' },
  captureSchemas: { default: '', kind: 'string', doc: 'comma-separated schemas to replicate (empty: every non-system schema)' },
  excludeSchemas: { default: '', kind: 'string', doc: 'comma-separated schemas not to replicate' },
  captureTables: {
    default: '',
    kind: 'string',
    doc: 'comma-separated schema.table names to replicate (empty: every table of the captured schemas)',
  },
  excludeTables: { default: '', kind: 'string', doc: 'comma-separated schema.table names not to replicate' },
  home: { default: '.cqrsctl', kind: 'path', doc: 'state directory (data, logs, pid files); CQRSCTL_HOME' },
  cache: { default: '~/.cache/cqrsctl', kind: 'path', doc: 'downloaded jars; CQRSCTL_CACHE' },
  composeProject: { default: 'cqrs', kind: 'string', doc: 'docker compose project name (docker runtime)' },
  brokers: { default: '', kind: 'string', doc: 'external runtime: comma-separated Kafka bootstrap servers' },
  connectUrl: {
    default: '',
    kind: 'string',
    doc: 'external runtime: Kafka Connect REST URL, or comma-separated URLs of several workers of one group (tried in turn)',
  },
  leaderUrl: { default: '', kind: 'secret', doc: 'external runtime: postgres:// URL of the leader' },
  replicaUrls: { default: '', kind: 'secret', doc: 'external runtime: comma-separated postgres:// URLs of the replicas' },
  kafkaSecurityProtocol: {
    default: 'PLAINTEXT',
    kind: 'enum',
    values: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'],
    doc: 'how every Kafka client of cqrsctl (and the native Connect worker) talks to the broker',
  },
  kafkaSaslMechanism: {
    default: 'PLAIN',
    kind: 'enum',
    values: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
    doc: 'SASL mechanism (SASL_PLAINTEXT, SASL_SSL)',
  },
  kafkaUser: { default: '', kind: 'string', doc: 'SASL user name' },
  kafkaPassword: { default: '', kind: 'secret', doc: 'SASL password' },
  kafkaCaFile: { default: '', kind: 'file', doc: "PEM file of the CA that signed the brokers' certificates (default: the system's CAs)" },
  kafkaCertFile: { default: '', kind: 'file', doc: 'PEM client certificate, for brokers that ask for one (mutual TLS)' },
  kafkaKeyFile: { default: '', kind: 'file', doc: 'PEM private key of kafkaCertFile' },
  pgSslMode: {
    default: 'disable',
    kind: 'enum',
    values: ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'],
    doc: "TLS to the leader and the replicas, as libpq's sslmode (a URL's ?sslmode= wins); also the connector's database.sslmode",
  },
  pgCaFile: {
    default: '',
    kind: 'file',
    doc: "PEM file of the CA that signed the PostgreSQL servers' certificates (verify-ca, verify-full)",
  },
  connectorPgCaFile: {
    default: '',
    kind: 'string',
    doc: "the leader's CA file as the Connect workers see it (database.sslrootcert; default pgCaFile)",
  },
  connectUser: { default: 'cqrsctl', kind: 'string', doc: 'basic-auth user of the Connect REST API (used when connectPassword is set)' },
  connectPassword: { default: '', kind: 'secret', doc: 'basic-auth password of the Connect REST API (the native worker then requires it)' },
  connectCaFile: { default: '', kind: 'file', doc: 'PEM file of the CA that signed the certificate of an https:// connectUrl' },
  connectSecretsFile: {
    default: '',
    kind: 'string',
    doc: 'external runtime: properties file on the Connect workers holding cdc.password, read through their FileConfigProvider, so the registered connector holds no password',
  },
  writeApiToken: { default: '', kind: 'secret', doc: 'bearer token the write API requires (required when host is not a loopback address)' },
} as const;

export type SettingName = keyof typeof settings;

/** The settings whose value is a secret: never printed, and each may also be read from a file (see secretFileName). */
export const secretSettings = (Object.keys(settings) as SettingName[]).filter((name) => settings[name].kind === 'secret');

/** dbPassword → dbPasswordFile: the setting naming a file that holds the secret (a mounted Docker or Kubernetes secret). */
export const secretFileName = (name: SettingName) => `${name}File`;
type Spec = (typeof settings)[SettingName];
type ValueOf<S extends Spec> = S['kind'] extends 'port' | 'count'
  ? number
  : S extends { values: readonly string[] }
    ? S['values'][number]
    : string;
export type Settings = { -readonly [K in SettingName]: ValueOf<(typeof settings)[K]> };

export const envName = (name: string) => 'CQRSCTL_' + name.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
/** The flag of a setting: --leader-port for leaderPort. */
export const flagName = (name: string) => '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
