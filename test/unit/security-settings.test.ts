import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { refuseUnsafeExposure } from '../../src/config/exposure.ts';
import { loadConfig } from '../../src/config/load.ts';
import { connectorConfig } from '../../src/connect/template.ts';
import { CqrsError } from '../../src/errors.ts';
import { kafkaSecurity } from '../../src/lib/kafka-client.ts';
import { pgTls } from '../../src/pg/client.ts';
import { kafkaClientProperties } from '../../src/runtime/native/kafka-properties.ts';

const dir = mkdtempSync(join(tmpdir(), 'cqrsctl-secrets-'));
const secretFile = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

test('a secret comes from the file its …_FILE variable names, without the trailing newline', () => {
  const c = loadConfig({ env: { CQRSCTL_DB_PASSWORD_FILE: secretFile('db', 's3cret-db\n') }, cwd: dir });
  assert.equal(c.settings.dbPassword, 's3cret-db');
  assert.equal(c.leader.password, 's3cret-db');
  assert.equal(c.sources.dbPassword.label, 'CQRSCTL_DB_PASSWORD_FILE');
});

test('a secret comes from the file a …File key of the config file names; the variable itself wins over its file', () => {
  const file = secretFile('cfg.json', JSON.stringify({ kafkaPasswordFile: secretFile('kafka', 'k-pass\n') }));
  assert.equal(loadConfig({ configFile: file, env: {}, cwd: dir }).settings.kafkaPassword, 'k-pass');
  const both = { CQRSCTL_CDC_PASSWORD: 'from-env', CQRSCTL_CDC_PASSWORD_FILE: secretFile('cdc', 'from-file') };
  assert.equal(loadConfig({ env: both, cwd: dir }).settings.cdcPassword, 'from-env');
});

test('an unreadable secret file is a usage error naming the file, not a secret', () => {
  assert.throws(
    () => loadConfig({ env: { CQRSCTL_WRITE_API_TOKEN_FILE: join(dir, 'missing') }, cwd: dir }),
    (e: unknown) => e instanceof CqrsError && e.exitCode === 2 && /CQRSCTL_WRITE_API_TOKEN_FILE.*missing.*ENOENT/.test(e.message),
  );
});

test('off loopback, default passwords and a missing write API token are refused (exit 2); on loopback they are fine', () => {
  const refused = (env: NodeJS.ProcessEnv) => {
    try {
      refuseUnsafeExposure(loadConfig({ env, cwd: dir }));
      return undefined;
    } catch (e) {
      assert.ok(e instanceof CqrsError && e.exitCode === 2);
      return e.message;
    }
  };
  assert.equal(refused({}), undefined);
  const message = refused({ CQRSCTL_HOST: '0.0.0.0' });
  assert.match(message ?? '', /0\.0\.0\.0.*dbPassword is the default.*cdcPassword is the default.*no token/);
  assert.match(refused({ CQRSCTL_HOST: '10.1.2.3', CQRSCTL_DB_PASSWORD: 'a', CQRSCTL_CDC_PASSWORD: 'b' }) ?? '', /no token/);
  const safe = { CQRSCTL_HOST: '10.1.2.3', CQRSCTL_DB_PASSWORD: 'a', CQRSCTL_CDC_PASSWORD: 'b', CQRSCTL_WRITE_API_TOKEN: 't' };
  assert.equal(refused(safe), undefined);
});

test('SASL_SSL gives kafkajs TLS with the CA and SASL with the mechanism, user and password', () => {
  const ca = secretFile('ca.pem', '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
  const env = {
    CQRSCTL_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    CQRSCTL_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    CQRSCTL_KAFKA_USER: 'u',
    CQRSCTL_KAFKA_PASSWORD: 'p',
    CQRSCTL_KAFKA_CA_FILE: ca,
  };
  const s = kafkaSecurity(loadConfig({ env, cwd: dir }).settings);
  assert.deepEqual(s.sasl, { mechanism: 'scram-sha-512', username: 'u', password: 'p' });
  assert.ok(s.ssl && typeof s.ssl === 'object' && s.ssl.rejectUnauthorized === true && String(s.ssl.ca).includes('BEGIN CERTIFICATE'));
  assert.deepEqual(kafkaSecurity(loadConfig({ env: {}, cwd: dir }).settings), {}, 'PLAINTEXT by default');
  assert.throws(
    () => kafkaSecurity(loadConfig({ env: { ...env, CQRSCTL_KAFKA_PASSWORD: '' }, cwd: dir }).settings),
    /needs kafkaUser and kafkaPassword/,
  );
  const props = kafkaClientProperties(loadConfig({ env, cwd: dir }).settings);
  for (const prefix of ['', 'producer.', 'consumer.', 'admin.']) {
    assert.ok(props.includes(`${prefix}security.protocol=SASL_SSL`), prefix);
    assert.ok(props.includes(`${prefix}sasl.mechanism=SCRAM-SHA-512`), prefix);
    assert.ok(
      props.some((p) => p.startsWith(`${prefix}sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required`)),
    );
    assert.ok(
      props.some((p) => p.startsWith(`${prefix}ssl.truststore.certificates=-----BEGIN CERTIFICATE-----\\nx\\n`)),
      'PEM on one line',
    );
  }
});

test("libpq's sslmode maps to postgres.js TLS; a URL's ?sslmode= wins over pgSslMode", () => {
  const ca = secretFile('pg-ca.pem', 'CA');
  const c = loadConfig({
    env: {
      CQRSCTL_PG_SSL_MODE: 'require',
      CQRSCTL_PG_CA_FILE: ca,
      CQRSCTL_LEADER_URL: 'postgres://u:p@db.example.com:5432/cqrs?sslmode=verify-full',
      CQRSCTL_REPLICA_URLS: 'postgres://u:p@r1:5432/cqrs',
    },
    cwd: dir,
  });
  assert.equal(c.leader.sslMode, 'verify-full');
  assert.equal(c.replicas[0].sslMode, 'require');
  const tls = pgTls(c.leader) as { rejectUnauthorized: boolean; servername: string; ca: Buffer[] };
  assert.equal(tls.rejectUnauthorized, true);
  assert.equal(tls.servername, 'db.example.com');
  assert.equal(String(tls.ca[0]), 'CA');
  assert.equal(pgTls(c.replicas[0]), 'require');
  assert.equal(pgTls(loadConfig({ env: {}, cwd: dir }).leader), false, 'no TLS by default');
  assert.throws(() => loadConfig({ env: { CQRSCTL_LEADER_URL: 'postgres://h/db?sslmode=bogus' }, cwd: dir }), /sslmode "bogus"/);

  const connector = connectorConfig(c, { host: 'db.example.com', port: 5432 }, '/etc/kafka/secrets.properties');
  assert.equal(connector['database.sslmode'], 'verify-full');
  assert.equal(connector['database.sslrootcert'], ca);
  assert.equal(connector['database.password'], '${file:/etc/kafka/secrets.properties:cdc.password}', 'a reference, not the password');
});
