import { usageError } from '../errors.ts';
import { settings, type SettingName, type Settings } from './settings.ts';
import type { StackRecord } from './stack-record.ts';

export interface PgEndpoint {
  /** Service name: `leader` or `replica-N`. */
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** TLS to the server, as libpq's sslmode names it, and the CA file that verify-ca/verify-full check against. */
  sslMode?: PgSslMode;
  caFile?: string;
}

export type PgSslMode = Settings['pgSslMode'];
const sslModes: readonly string[] = settings.pgSslMode.values;

/** Where a setting's value came from: `label` names it as a user would write it (--leader-port, CQRSCTL_HOME, …). */
export interface SettingSource {
  kind: 'default' | 'stack' | 'file' | 'env' | 'flag';
  label: string;
}

/** A setting given explicitly with another value than the one the running stack was started with. */
export interface StackConflict {
  name: SettingName;
  running: string | number;
  asked: string | number;
  /** Where the asked value came from (a flag, a variable, the config file). */
  from: string;
}

/** Everything a command needs to know about where the services are, derived once from the settings. */
export interface Config {
  settings: Settings;
  configFile?: string;
  sources: Record<SettingName, SettingSource>;
  /** The stack `up` recorded in the state dir, if any, and the explicit settings that differ from it. */
  stack?: { record: StackRecord; conflicts: StackConflict[] };
  leader: PgEndpoint;
  replicas: PgEndpoint[];
  /** Kafka bootstrap addresses: every broker of the cluster cqrsctl runs, or the external list. */
  brokers: string[];
  /** The first Connect worker's REST URL (the first external one with the external runtime). */
  connectUrl: string;
  /** Every Connect worker's REST URL; any of them answers for the whole group. */
  connectUrls: string[];
  writeApiUrl: string;
  /** The dashboard page (`cqrsctl dashboard`), always on the loopback address. */
  dashboardUrl: string;
}

export function buildConfig(s: Settings, configFile?: string, sources = defaultSources(s), stack?: Config['stack']): Config {
  const tls = { sslMode: s.pgSslMode, ...(s.pgCaFile ? { caFile: s.pgCaFile } : {}) };
  const pg = (name: string, port: number): PgEndpoint => ({
    name,
    host: s.host,
    port,
    user: s.dbUser,
    password: s.dbPassword,
    database: s.database,
    ...tls,
  });
  let leader = pg('leader', s.leaderPort);
  let replicas = Array.from({ length: s.replicas }, (_, i) => pg(`replica-${i + 1}`, s.replicaBasePort + i));
  if (s.leaderUrl) leader = parsePgUrl('leader', s.leaderUrl, 'leaderUrl', tls);
  if (s.replicaUrls) {
    replicas = s.replicaUrls.split(',').map((u, i) => parsePgUrl(`replica-${i + 1}`, u.trim(), 'replicaUrls', tls));
  }
  const connectUrls = s.connectUrl
    ? s.connectUrl
        .split(',')
        .map((u) => u.trim().replace(/\/$/, ''))
        .filter(Boolean)
    : Array.from({ length: s.connectWorkers }, (_, i) => `http://${s.host}:${s.connectPort + i}`);
  return {
    settings: s,
    configFile,
    sources,
    stack,
    leader,
    replicas,
    brokers: s.brokers ? s.brokers.split(',').map((b) => b.trim()) : brokerNodes(s).map((b) => b.address),
    connectUrl: connectUrls[0]!,
    connectUrls,
    writeApiUrl: `http://${s.host}:${s.writeApiPort}`,
    dashboardUrl: `http://127.0.0.1:${s.dashboardPort}/`,
  };
}

/** One node of the Kafka cluster cqrsctl runs: broker and KRaft controller in one process. */
export interface BrokerNode {
  id: number;
  /** Service name: `broker` alone, `broker-N` in a cluster. */
  name: string;
  host: string;
  port: number;
  controllerPort: number;
  address: string;
}

/** Broker N takes the client and controller ports 2(N-1) above the configured ones, so the pairs never overlap. */
export const brokerNodes = (s: Settings): BrokerNode[] =>
  Array.from({ length: s.brokerCount }, (_, i) => ({
    id: i + 1,
    name: s.brokerCount === 1 ? 'broker' : `broker-${i + 1}`,
    host: s.host,
    port: s.brokerPort + 2 * i,
    controllerPort: s.controllerPort + 2 * i,
    address: `${s.host}:${s.brokerPort + 2 * i}`,
  }));

/** The Connect worker service: `connect` alone, `connect-N` in a group of several. */
export const connectWorkerName = (workers: number, worker: number) => (workers === 1 ? 'connect' : `connect-${worker}`);

/** The worker service whose REST address is the worker id Connect reports (`host:port`), by its place in connectUrls. */
export function connectWorkerOf(config: Config, workerId: string): string | undefined {
  const i = config.connectUrls.findIndex((url) => url.replace(/^https?:\/\//, '').replace(/\/$/, '') === workerId);
  return i < 0 ? undefined : connectWorkerName(config.connectUrls.length, i + 1);
}

/**
 * Replication of every topic cqrsctl's cluster holds (change, dead-letter, Connect's and Kafka's own): three
 * copies at most, and with three brokers a write needs two of them, so one broker may die without losing an
 * acknowledged event or stopping writes.
 */
export const replication = (s: Settings) => ({
  factor: Math.min(3, s.brokerCount),
  minInsync: s.brokerCount >= 3 ? 2 : 1,
});

const defaultSources = (s: Settings) =>
  Object.fromEntries(Object.keys(s).map((name) => [name, { kind: 'default', label: 'default' }])) as Record<SettingName, SettingSource>;

/** A postgres:// URL; its ?sslmode= and ?sslrootcert= (libpq's names) win over pgSslMode and pgCaFile. */
function parsePgUrl(name: string, url: string, setting: string, tls: Pick<PgEndpoint, 'sslMode' | 'caFile'>): PgEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(`${setting}: "${redact(url)}" is not a URL`, 'Use postgres://user:password@host:port/database.');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw usageError(`${setting}: "${redact(url)}" is not a postgres:// URL`);
  }
  return {
    name,
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password),
    database: u.pathname.replace(/^\//, '') || 'postgres',
    sslMode: urlSslMode(u, setting) ?? tls.sslMode,
    ...(u.searchParams.get('sslrootcert') || tls.caFile ? { caFile: u.searchParams.get('sslrootcert') ?? tls.caFile } : {}),
  };
}

function urlSslMode(u: URL, setting: string): PgSslMode | undefined {
  const mode = u.searchParams.get('sslmode');
  if (mode === null) return undefined;
  if (!sslModes.includes(mode))
    throw usageError(`${setting}: sslmode "${mode}" is not one of ${sslModes.join(', ')}`, 'cqrsctl supports these libpq modes.');
  return mode as PgSslMode;
}

/** A URL with its password (only) masked: postgres://u:********@host:5432/db. */
export const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/g, '//$1:********@');
