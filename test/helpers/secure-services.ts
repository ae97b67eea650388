import { brokerNodes } from '../../src/config/config.ts';
import { execa } from 'execa';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { pgClient } from '../../src/pg/client.ts';
import { waitUntil } from '../../src/lib/wait.ts';
import { giveToPostgres, pgTool } from '../../src/runtime/native/as-postgres.ts';
import { connectService } from '../../src/runtime/native/connect.ts';
import { brokerService } from '../../src/runtime/native/kafka.ts';
import { layout } from '../../src/runtime/native/layout.ts';
import { pgBinDir } from '../../src/runtime/native/setup.ts';
import { brokerAnswers, connectAnswers } from '../../src/runtime/probes.ts';

/**
 * Real services that demand TLS and credentials, as a managed cluster would, started from cqrsctl's own
 * native pieces: a Kafka broker whose only client listener is SASL_SSL (PLAIN and SCRAM-SHA-256), a
 * Connect worker speaking SASL_SSL to it whose REST API is HTTPS with basic auth, and PostgreSQL leader and
 * replica that accept TLS connections only (hostssl). Certificates come from a CA made here with openssl.
 */
export const ports = { broker: 22101, controller: 22102, connect: 22104, leader: 22110, replica: 22111, writeApi: 22120, metrics: 22121 };

export const secrets = {
  kafkaPassword: 'kafka-Sec-7f3a9',
  scramPassword: 'scram-Sec-21bd4',
  connectPassword: 'connect-Sec-88e1c',
  dbPassword: 'db-Sec-5c0d2',
  applyPassword: 'apply-Sec-913ab',
  cdcPassword: 'cdc-Sec-4e77f',
  writeApiToken: 'token-Sec-0a6b5e',
};

export interface SecureServices {
  dir: string;
  /** The environment a user would set to point `--runtime external` at these services (secrets from files). */
  env: NodeJS.ProcessEnv;
  files: { ca: string; rogueCa: string; kafkaPassword: string };
  stop(): Promise<void>;
}

const openssl = async (args: string[], cwd: string) => {
  const r = await execa('openssl', args, { cwd, reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`openssl ${args[0]} failed:\n${r.all}`);
};

/** A CA, a server certificate for 127.0.0.1/localhost signed by it (PEM, PEM key+chain, PKCS12) and an unrelated CA. */
async function makeCertificates(dir: string) {
  await openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-noenc', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=cqrsctl test CA'],
    dir,
  );
  await openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-noenc', '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=rogue CA'],
    dir,
  );
  await openssl(['req', '-newkey', 'rsa:2048', '-noenc', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    ],
    dir,
  );
  await openssl(
    [
      'pkcs12',
      '-export',
      '-in',
      'server.pem',
      '-inkey',
      'server.key',
      '-certfile',
      'ca.pem',
      '-out',
      'server.p12',
      '-passout',
      'pass:changeit',
    ],
    dir,
  );
  await execa('sh', ['-c', 'cat server.key server.pem > server-keystore.pem'], { cwd: dir });
}

/** A PostgreSQL cluster that takes TLS connections with a password only. */
async function startTlsPostgres(dir: string, name: string, port: number, certs: string, leader: boolean) {
  const home = join(dir, name);
  const data = join(home, 'data');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'pw'), `${secrets.dbPassword}\n`);
  await giveToPostgres(home);
  const init = await pgTool(
    join(pgBinDir, 'initdb'),
    ['-D', data, '-U', 'postgres', `--pwfile=${join(home, 'pw')}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8'],
    { all: true },
  );
  if (init.exitCode !== 0) throw new Error(`initdb ${name} failed:\n${init.all}`);
  for (const f of ['server.pem', 'server.key']) writeFileSync(join(data, f), readFileSync(join(certs, f)), { mode: 0o600 });
  const conf = [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    "unix_socket_directories = ''",
    'fsync = off',
    'ssl = on',
    "ssl_cert_file = 'server.pem'",
    "ssl_key_file = 'server.key'",
    ...(leader ? ['wal_level = logical', 'max_replication_slots = 10', 'max_wal_senders = 10'] : []),
  ];
  writeFileSync(join(data, 'postgresql.auto.conf'), conf.join('\n') + '\n');
  writeFileSync(
    join(data, 'pg_hba.conf'),
    'hostssl all all 127.0.0.1/32 scram-sha-256\nhostssl replication all 127.0.0.1/32 scram-sha-256\n',
  );
  await giveToPostgres(home);
  const start = await pgTool(join(pgBinDir, 'pg_ctl'), ['-D', data, '-l', join(home, 'log'), '-w', '-t', '60', 'start'], { all: true });
  if (start.exitCode !== 0) throw new Error(`pg_ctl start ${name} failed:\n${start.all}`);
  return async () => {
    await pgTool(join(pgBinDir, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
  };
}

/** The leader's database, and on the replica a non-superuser role owning its database (what applying needs). */
async function createDatabases(ca: string) {
  const superuser = (port: number) =>
    pgClient({
      name: 'setup',
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: secrets.dbPassword,
      database: 'postgres',
      sslMode: 'verify-full',
      caFile: ca,
    });
  const leader = superuser(ports.leader);
  const replica = superuser(ports.replica);
  try {
    await leader.unsafe('create database cqrs');
    await replica.unsafe(`create role cqrs_apply login password '${secrets.applyPassword}'`);
    await replica.unsafe('create database cqrs owner cqrs_apply');
  } finally {
    await Promise.all([leader.end(), replica.end()]);
  }
}

export async function startSecureServices(dir: string): Promise<SecureServices> {
  rmSync(dir, { recursive: true, force: true });
  const certs = join(dir, 'certs');
  mkdirSync(certs, { recursive: true });
  await makeCertificates(certs);
  const ca = join(certs, 'ca.pem');
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, `${content}\n`, { mode: 0o600 });
    return path;
  };
  // As Kubernetes mounts them: one secret per file, with a trailing newline.
  const files = {
    ca,
    rogueCa: join(certs, 'rogue.pem'),
    kafkaPassword: file('kafka-password', secrets.kafkaPassword),
    connectPassword: file('connect-password', secrets.connectPassword),
    cdcPassword: file('cdc-password', secrets.cdcPassword),
    writeApiToken: file('write-api-token', secrets.writeApiToken),
    // The Connect workers' secrets file, read through their FileConfigProvider (the user's to write).
    connectSecrets: file('connect-secrets.properties', `cdc.password=${secrets.cdcPassword}`),
  };
  const tls = `sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`;
  const env: NodeJS.ProcessEnv = {
    CQRSCTL_RUNTIME: 'external',
    CQRSCTL_HOME: join(dir, 'home'),
    CQRSCTL_BROKERS: `127.0.0.1:${ports.broker}`,
    CQRSCTL_CONNECT_URL: `https://127.0.0.1:${ports.connect}`,
    CQRSCTL_LEADER_URL: `postgres://postgres:${secrets.dbPassword}@127.0.0.1:${ports.leader}/cqrs?${tls}`,
    // The replicator applies as the owner of the replica database, not as a superuser.
    CQRSCTL_REPLICA_URLS: `postgres://cqrs_apply:${secrets.applyPassword}@127.0.0.1:${ports.replica}/cqrs?${tls}`,
    CQRSCTL_WRITE_API_PORT: String(ports.writeApi),
    CQRSCTL_METRICS_PORT: String(ports.metrics),
    CQRSCTL_CONNECTOR_NAME: 'secure-cdc',
    CQRSCTL_TOPIC_PREFIX: 'secure',
    CQRSCTL_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    CQRSCTL_KAFKA_SASL_MECHANISM: 'PLAIN',
    CQRSCTL_KAFKA_USER: 'cqrs',
    CQRSCTL_KAFKA_PASSWORD_FILE: files.kafkaPassword,
    CQRSCTL_KAFKA_CA_FILE: ca,
    CQRSCTL_CONNECT_USER: 'operator',
    CQRSCTL_CONNECT_PASSWORD_FILE: files.connectPassword,
    CQRSCTL_CONNECT_CA_FILE: ca,
    CQRSCTL_CONNECT_SECRETS_FILE: files.connectSecrets,
    CQRSCTL_CDC_PASSWORD_FILE: files.cdcPassword,
    CQRSCTL_WRITE_API_TOKEN_FILE: files.writeApiToken,
  };
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    stops.push(await startTlsPostgres(dir, 'leader', ports.leader, certs, true));
    stops.push(await startTlsPostgres(dir, 'replica', ports.replica, certs, false));
    await createDatabases(ca);
    const jvmConfig = loadConfig({
      env: {
        ...env,
        CQRSCTL_RUNTIME: 'native',
        CQRSCTL_HOME: join(dir, 'jvm'),
        CQRSCTL_HOST: '127.0.0.1',
        CQRSCTL_BROKER_PORT: String(ports.broker),
        CQRSCTL_CONTROLLER_PORT: String(ports.controller),
        CQRSCTL_CONNECT_PORT: String(ports.connect),
        CQRSCTL_CONNECT_URL: '',
      },
      stack: 'ignore',
    });
    const paths = layout(jvmConfig);
    const keystore = join(certs, 'server-keystore.pem');
    const broker = brokerService(jvmConfig, paths, brokerNodes(jvmConfig.settings)[0]!, [
      `listeners=SASL_SSL://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
      `advertised.listeners=SASL_SSL://127.0.0.1:${ports.broker}`,
      'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=SASL_SSL',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256',
      'sasl.mechanism.inter.broker.protocol=PLAIN',
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-Sec" user_admin="admin-Sec" user_cqrs="${secrets.kafkaPassword}";`,
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${keystore}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${ca}`,
    ]);
    broker.writeFiles();
    const id = (await broker.runTool('kafka.tools.StorageTool', ['random-uuid'])).stdout.trim().split('\n').pop() ?? '';
    const format = await broker.runTool('kafka.tools.StorageTool', [
      'format',
      '-t',
      id,
      '-c',
      join(broker.dir, 'server.properties'),
      '--add-scram',
      `SCRAM-SHA-256=[name=scram-user,password=${secrets.scramPassword}]`,
    ]);
    if (format.exitCode !== 0) throw new Error(`formatting the SASL_SSL broker failed:\n${format.all}`);
    broker.start();
    stops.push(() => broker.stop());
    const secured = loadConfig({ env, stack: 'ignore' });
    await waitUntil(
      'SASL_SSL broker',
      async () => {
        if (!broker.pid()) throw new Error(`the broker exited:\n${broker.logTail(20)}`);
        return (await brokerAnswers(secured).catch(() => false)) ? true : undefined;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 1000,
        explain: () => broker.logTail(20),
      },
    );
    const connect = connectService(jvmConfig, paths, 1, [
      `listeners=https://127.0.0.1:${ports.connect}`,
      'rest.advertised.listener=https',
      `listeners.https.ssl.keystore.location=${join(certs, 'server.p12')}`,
      'listeners.https.ssl.keystore.type=PKCS12',
      'listeners.https.ssl.keystore.password=changeit',
      'listeners.https.ssl.key.password=changeit',
      'group.id=cqrsctl-secure-connect',
      'config.storage.topic=secure_connect_configs',
      'offset.storage.topic=secure_connect_offsets',
      'status.storage.topic=secure_connect_statuses',
    ]);
    connect.start();
    stops.push(() => connect.stop());
    await waitUntil(
      'HTTPS Connect worker',
      async () => {
        if (!connect.pid()) throw new Error(`the Connect worker exited:\n${connect.logTail(20)}`);
        return (await connectAnswers(secured).catch(() => false)) ? true : undefined;
      },
      {
        timeoutMs: 240_000,
        intervalMs: 1000,
        explain: () => connect.logTail(20),
      },
    );
    return { dir, env, files, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
