import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { schemaDump } from './catalog-oracle.ts';
import { cli } from './cli.ts';

/** The settings a test stack of its own moves away from the shared stack's. */
export interface OwnPorts {
  LEADER_PORT: number;
  REPLICA_BASE_PORT: number;
  BROKER_PORT: number;
  CONTROLLER_PORT: number;
  CONNECT_PORT: number;
  WRITE_API_PORT: number;
  METRICS_PORT: number;
  DASHBOARD_PORT: number;
}

/**
 * The test process's environment without the shared stack's CQRSCTL_* settings (the jar cache stays). They are
 * set to undefined rather than left out: the cli helper's execa extends process.env, and Node drops undefined
 * entries only when they are named.
 */
export const withoutSharedSettings = (): NodeJS.ProcessEnv => ({
  ...process.env,
  ...Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('CQRSCTL_') && k !== 'CQRSCTL_CACHE')
      .map((k) => [k, undefined]),
  ),
});

/**
 * A stack of a test file's own: its state dir and ports, so the stack the other integration tests share is
 * neither used nor disturbed. The shared stack's CQRSCTL_* settings stay out (see withoutSharedSettings);
 * <PREFIX>_HOME and <PREFIX>_<SETTING> (e.g. CLUSTER_TEST_LEADER_PORT) move it where the defaults are taken.
 * Pick defaults below 32768: Linux hands out ports above it to outgoing connections.
 */
export function ownStack(prefix: string, defaults: OwnPorts, extra: NodeJS.ProcessEnv = { CQRSCTL_RUNTIME: 'native' }) {
  const env: NodeJS.ProcessEnv = {
    ...withoutSharedSettings(),
    ...Object.fromEntries(Object.entries(defaults).map(([k, v]) => [`CQRSCTL_${k}`, process.env[`${prefix}_${k}`] ?? String(v)])),
    CQRSCTL_HOME:
      process.env[`${prefix}_HOME`] ?? join(tmpdir(), `cqrsctl-${prefix.toLowerCase().replace(/_/g, '-')}-${process.getuid?.() ?? 0}`),
    ...extra,
  };
  const port = (name: keyof OwnPorts) => Number(env[`CQRSCTL_${name}`]);
  const run = async (args: string[], timeoutMs = 300_000) => {
    const r = await cli(args, { env, timeoutMs });
    return { ...r, all: `${r.stdout}\n${r.stderr}` };
  };
  /**
   * verify-replicas, then — without cqrsctl's own compare — every definition and row of schema public as
   * text straight from the servers: replicas 1..count equal to the leader.
   */
  async function assertReplicasEqualLeader(count = 3, wait = '180s') {
    const verify = await run(['verify-replicas', `--wait=${wait}`], 360_000);
    assert.equal(verify.exitCode, 0, `replicas equal the leader:\n${verify.all}`);
    const open = (p: number) => postgres({ host: '127.0.0.1', port: p, user: 'postgres', password: 'postgres', database: 'cqrs', max: 1 });
    const [leader, ...replicas] = [port('LEADER_PORT'), ...Array.from({ length: count }, (_, i) => port('REPLICA_BASE_PORT') + i)].map(
      open,
    );
    try {
      const want = await schemaDump(leader!, 'public');
      assert.ok(Object.keys(want.rows).length > 0, 'the leader has tables to compare');
      for (const [i, r] of replicas.entries()) assert.deepEqual(await schemaDump(r, 'public'), want, `replica-${i + 1} equals the leader`);
    } finally {
      await Promise.all([leader!, ...replicas].map((c) => c.end({ timeout: 2 })));
    }
  }
  return { env, port, run, assertReplicasEqualLeader };
}
