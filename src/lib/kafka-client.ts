import { debug } from './debug.ts';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Config } from '../config/config.ts';
import type { Settings } from '../config/settings.ts';
import { CqrsError, usageError } from '../errors.ts';

/**
 * The one place kafkajs clients are made, so every client (replicator, status, events tail, dead letters,
 * probes) speaks the configured TLS and SASL. `overrides` changes timeouts and retries only.
 */
export function createKafka(config: Config, clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  debug(`Kafka client ${clientId} for ${config.brokers.join(',')}`);
  return new Kafka({
    brokers: config.brokers,
    clientId,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 300 },
    ...kafkaSecurity(config.settings),
    ...overrides,
  });
}

/** kafkajs's `ssl` and `sasl` options from the settings; the files are read here, so a missing one is named. */
export function kafkaSecurity(s: Settings): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const protocol = s.kafkaSecurityProtocol;
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (tls) {
    out.ssl = {
      rejectUnauthorized: true,
      ...(s.kafkaCaFile ? { ca: [readPem(s.kafkaCaFile, 'kafkaCaFile')] } : {}),
      ...(s.kafkaCertFile ? { cert: readPem(s.kafkaCertFile, 'kafkaCertFile') } : {}),
      ...(s.kafkaKeyFile ? { key: readPem(s.kafkaKeyFile, 'kafkaKeyFile') } : {}),
    };
  }
  if (sasl) {
    if (!s.kafkaUser || !s.kafkaPassword) {
      throw usageError(
        `kafkaSecurityProtocol ${protocol} needs kafkaUser and kafkaPassword`,
        'Set CQRSCTL_KAFKA_USER and CQRSCTL_KAFKA_PASSWORD (or CQRSCTL_KAFKA_PASSWORD_FILE).',
      );
    }
    out.sasl = {
      mechanism: s.kafkaSaslMechanism.toLowerCase(),
      username: s.kafkaUser,
      password: s.kafkaPassword,
    } as SASLOptions;
  }
  return out;
}

export function readPem(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw usageError(
      `${setting}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      'Give the path of a PEM file.',
    );
  }
}

/** Node's codes for a certificate the client does not trust (or that names another host). */
const untrusted = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const codeOf = (e: unknown): string | undefined => {
  for (let x = e as { code?: unknown; cause?: unknown } | undefined; x; x = x.cause as typeof x) {
    if (typeof x.code === 'string' && untrusted.has(x.code)) return x.code;
  }
  return undefined;
};

/**
 * A broker refusal that retrying cannot fix (wrong credentials, a certificate not trusted), as a usage error
 * naming the broker; undefined for anything else (a broker still starting, a network blip).
 */
function explainKafkaError(e: unknown, config: Config): CqrsError | undefined {
  const s = config.settings;
  const brokers = config.brokers.join(',');
  const err = e as Error & { name?: string; broker?: string };
  const text = `${err?.name ?? ''} ${err?.message ?? ''}`;
  if (err?.name === 'KafkaJSSASLAuthenticationError' || /SASL .*authentication failed/i.test(text)) {
    return new CqrsError(
      `broker ${err.broker ?? brokers} refused the SASL ${s.kafkaSaslMechanism} credentials of user "${s.kafkaUser}"`,
      'Check kafkaUser, kafkaPassword (or kafkaPasswordFile) and kafkaSaslMechanism against the cluster.',
      2,
      { cause: e },
    );
  }
  const code = codeOf(e) ?? [...untrusted].find((c) => text.includes(c));
  if (code || /self[- ]signed certificate|unable to verify the first certificate|certificate/i.test(text)) {
    return new CqrsError(
      `the TLS certificate of broker ${brokers} is not trusted (${code ?? err.message})`,
      s.kafkaCaFile
        ? `kafkaCaFile (${s.kafkaCaFile}) is not the CA that signed it, or the certificate does not name the host you connect to.`
        : "Set kafkaCaFile to the PEM file of the CA that signed the brokers' certificates.",
      2,
      { cause: e },
    );
  }
  return undefined;
}

/**
 * Connects once, without the usual retries, so wrong credentials or an untrusted certificate fail in
 * seconds with a clear error instead of after a long retry loop. A broker that merely does not answer
 * (yet) is not this check's business: callers retry or report it their own way.
 */
export async function refuseBrokerAccessProblems(config: Config): Promise<void> {
  const admin = createKafka(config, 'cqrsctl-check', {
    retry: { retries: 0 },
    connectionTimeout: 5000,
    authenticationTimeout: 5000,
  }).admin();
  let problem: CqrsError | undefined;
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (e) {
    problem = explainKafkaError(e, config);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  if (problem) throw problem;
}
