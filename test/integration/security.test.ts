import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { connectClientOf } from '../../src/connect/client.ts';
import { createKafka } from '../../src/lib/kafka-client.ts';
import { pgClient } from '../../src/pg/client.ts';
import { cli } from '../helpers/cli.ts';
import { ports, secrets, startSecureServices, type SecureServices } from '../helpers/secure-services.ts';

/**
 * `--runtime external` pointed, with settings only, at a SASL_SSL broker, an HTTPS Connect worker with
 * basic auth and TLS-only PostgreSQL: the whole pipeline runs, no secret is ever printed, and refused
 * credentials or untrusted certificates fail fast and say so.
 */
let services: SecureServices;
const outputs: string[] = [];
const run = async (args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000) => {
  const r = await cli(args, { env: { ...services.env, ...env }, timeoutMs });
  outputs.push(r.stdout, r.stderr);
  return r;
};
const ok = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = await run(args, env);
  assert.equal(r.exitCode, 0, `cqrsctl ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r;
};
const config = () => loadConfig({ env: services.env, stack: 'ignore' });

before(async () => {
  services = await startSecureServices('/var/tmp/cqrsctl-sec-tls');
});

after(async () => {
  if (!services) return;
  await run(['down']).catch(() => {});
  await services.stop();
});

test('off loopback, default passwords or an open write API are refused before anything starts', async () => {
  const home = `${services.dir}/loopback-home`;
  const r = await cli(['up', '--detach', '--host', '0.0.0.0'], { env: { CQRSCTL_HOME: home, CQRSCTL_RUNTIME: 'native' } });
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /refusing to serve on 0\.0\.0\.0.*dbPassword is the default.*cdcPassword is the default.*no token/);
  const serve = await cli(['serve', '--host', '0.0.0.0'], {
    env: { CQRSCTL_HOME: home, CQRSCTL_DB_PASSWORD: 'x1', CQRSCTL_CDC_PASSWORD: 'x2' },
  });
  assert.equal(serve.exitCode, 2, serve.stderr);
  assert.match(serve.stderr, /the write API has no token/);
  assert.doesNotMatch(serve.stderr, /dbPassword|cdcPassword/);
});

test('up, simulate, verify-replicas and status run through the external runtime with only settings', async () => {
  await ok(['up', '--detach']);
  // A fresh stack's replicator first applies the leader's snapshot; read checks start once it has.
  await ok(['verify-replicas', '--wait']);
  const sim = await ok(['simulate', '--count', '150', '--check-reads', '--json']);
  const summary = JSON.parse(sim.stdout) as { reads?: { stale?: number } };
  assert.equal(summary.reads?.stale ?? 0, 0);
  await ok(['verify-replicas', '--wait']);
  const status = JSON.parse((await ok(['status', '--json'])).stdout) as { services: { name: string; state: string }[] };
  for (const name of ['leader', 'replica-1', 'broker', 'connect', 'replicator', 'write-api']) {
    assert.equal(status.services.find((s) => s.name === name)?.state, 'running', name);
  }
});

test('the write API requires the bearer token; /health stays open', async () => {
  const url = `http://127.0.0.1:${ports.writeApi}`;
  assert.equal((await fetch(`${url}/products/1`)).status, 401);
  assert.equal((await fetch(`${url}/products/1`, { headers: { authorization: 'Bearer nope' } })).status, 401);
  assert.equal((await fetch(`${url}/products/1`, { headers: { authorization: `Bearer ${secrets.writeApiToken}` } })).status, 200);
  assert.equal((await fetch(`${url}/health`)).status, 200);
});

test('every Kafka client path speaks SASL_SSL: SCRAM-SHA-256 too, and the dead-letter topic exists', async () => {
  const scram = loadConfig({
    env: {
      ...services.env,
      CQRSCTL_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      CQRSCTL_KAFKA_USER: 'scram-user',
      CQRSCTL_KAFKA_PASSWORD: secrets.scramPassword,
    },
    stack: 'ignore',
  });
  const admin = createKafka(scram, 'cqrsctl-test').admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    assert.ok(topics.includes('secure.changes'), topics.join(','));
    assert.ok(topics.includes('cqrsctl-dlq.secure'), `the replicator's producer made its dead-letter topic: ${topics.join(',')}`);
  } finally {
    await admin.disconnect();
  }
});

test('a wrong Kafka password or an untrusted broker certificate fails fast with exit 2, naming the broker', async () => {
  for (const [env, message] of [
    [
      { CQRSCTL_KAFKA_PASSWORD_FILE: '', CQRSCTL_KAFKA_PASSWORD: 'wrong' },
      /broker 127\.0\.0\.1:22101 refused the SASL PLAIN credentials of user "cqrs"/,
    ],
    [{ CQRSCTL_KAFKA_CA_FILE: services.files.rogueCa }, /TLS certificate of broker 127\.0\.0\.1:22101 is not trusted/],
  ] as const) {
    for (const args of [
      ['events', 'tail'],
      ['up', '--detach'],
    ]) {
      const started = Date.now();
      const r = await run(args, env, 60_000);
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /hint: /);
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
      assert.ok(Date.now() - started < 30_000, `${args.join(' ')} took ${Date.now() - started} ms`);
    }
  }
});

test('Connect REST: HTTPS with the CA, basic auth required', async () => {
  const noAuth = await run(['connector', 'status'], { CQRSCTL_CONNECT_PASSWORD_FILE: '', CQRSCTL_CONNECT_PASSWORD: 'wrong' });
  assert.equal(noAuth.exitCode, 2);
  assert.match(noAuth.stderr, /HTTP 401.*basic-auth credentials are missing or wrong/);
  const noCa = await run(['connector', 'status'], { CQRSCTL_CONNECT_CA_FILE: '' });
  assert.equal(noCa.exitCode, 2);
  assert.match(noCa.stderr, /TLS certificate of Kafka Connect at https:\/\/127\.0\.0\.1:22104 is not trusted/);
  await ok(['connector', 'status']);
  await ok(['connector', 'status', '--json']);
  // What Connect stores and shows of the connector is a reference to the workers' secrets file.
  const client = connectClientOf(config());
  const stored = await client.config('secure-cdc');
  assert.match(stored['database.password'], /^\$\{file:.*:cdc\.password\}$/);
  assert.equal(stored['database.sslmode'], 'verify-full');
  const tasks = await client.request<unknown>('GET', '/connectors/secure-cdc/tasks');
  outputs.push(JSON.stringify(stored), JSON.stringify(tasks));
});

test('PostgreSQL: only TLS connections are accepted, and an unknown CA is refused', async () => {
  const c = config();
  await assert.rejects(async () => {
    const sql = pgClient({ ...c.leader, sslMode: 'disable' });
    try {
      await sql`select 1`;
    } finally {
      await sql.end();
    }
  }, /no pg_hba.conf entry .* no encryption/);
  await assert.rejects(async () => {
    const sql = pgClient({ ...c.leader, caFile: services.files.rogueCa });
    try {
      await sql`select 1`;
    } finally {
      await sql.end();
    }
  }, /certificate/);
  // The CLI says which TLS setting to change.
  const plain = await run(['verify-replicas'], { CQRSCTL_LEADER_URL: services.env.CQRSCTL_LEADER_URL!.replace('verify-full', 'disable') });
  assert.equal(plain.exitCode, 2);
  assert.match(plain.stderr, /hint: The server accepts TLS connections only: set pgSslMode/);
  const rogue = await run(['verify-replicas'], { CQRSCTL_LEADER_URL: services.env.CQRSCTL_LEADER_URL!.replace('ca.pem', 'rogue.pem') });
  assert.equal(rogue.exitCode, 2);
  assert.match(rogue.stderr, /hint: The server's certificate is not signed by a CA cqrsctl trusts: set pgCaFile/);
  const sql = pgClient(c.leader);
  try {
    const [{ ssl }] = await sql<{ ssl: boolean }[]>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`;
    assert.equal(ssl, true);
  } finally {
    await sql.end();
  }
});

test('least privilege: the CDC role reads and replicates but cannot write user tables or create roles; the apply role is no superuser', async () => {
  const c = config();
  const cdc = pgClient({ ...c.leader, user: 'cqrsctl_cdc', password: secrets.cdcPassword });
  try {
    assert.ok((await cdc`select count(*)::int as n from public.customers`)[0].n > 0);
    await cdc`update cqrsctl.heartbeat set beat_at = now() where id = 1`;
    const [slot] = await cdc`select slot_name from pg_create_logical_replication_slot('cqrsctl_privilege_probe', 'pgoutput')`;
    assert.equal(slot.slot_name, 'cqrsctl_privilege_probe');
    await cdc`select pg_drop_replication_slot('cqrsctl_privilege_probe')`;
    const denied = async (statement: string) =>
      assert.rejects(cdc.unsafe(statement), (e: { code?: string }) => e.code === '42501', statement);
    await denied(`insert into public.customers (email, name) values ('x@y.z', 'x')`);
    await denied('delete from public.orders');
    await denied('create role intruder');
    await denied('create table public.intruder (id int)');
    const [role] = await cdc`select rolsuper, rolcreaterole, rolcreatedb, rolreplication from pg_roles where rolname = current_user`;
    assert.deepEqual({ ...role }, { rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: true });
  } finally {
    await cdc.end();
  }
  const apply = pgClient(c.replicas[0]);
  try {
    const [role] = await apply`select rolsuper, rolcreaterole, rolreplication from pg_roles where rolname = current_user`;
    assert.deepEqual({ ...role }, { rolsuper: false, rolcreaterole: false, rolreplication: false });
  } finally {
    await apply.end();
  }
});

test('no secret is ever printed: config, status, logs, connector status, errors', async () => {
  await ok(['config']);
  await ok(['config', '--json']);
  await ok(['status']);
  await ok(['logs', 'replicator', '--tail', '500']);
  await ok(['logs', 'write-api', '--tail', '500']);
  // Errors, with --debug's stacks and causes too.
  await run(['verify-replicas', '--debug'], { CQRSCTL_LEADER_URL: services.env.CQRSCTL_LEADER_URL!.replace('ca.pem', 'rogue.pem') });
  await run(['events', 'tail', '--debug'], { CQRSCTL_KAFKA_CA_FILE: services.files.rogueCa });
  await run(['connector', 'status', '--debug'], { CQRSCTL_CONNECT_CA_FILE: '' });
  const all = outputs.join('\n');
  assert.ok(all.length > 1000, 'the commands said something');
  for (const [name, value] of Object.entries(secrets)) assert.ok(!all.includes(value), `${name} was printed`);
});
