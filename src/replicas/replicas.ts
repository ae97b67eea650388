import { buildConfig, type Config, type PgEndpoint } from '../config/config.ts';
import { writeStackRecordIn } from '../config/stack-record.ts';
import { flagName } from '../config/settings.ts';
import { CqrsError, usageError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { readStackRecord, selectRuntime } from '../runtime/select.ts';
import { replicationStatus, type ReplicaProgress } from '../replicator/status.ts';
import { restartApps } from '../stack/apps.ts';
import { selectReplicas } from '../verify/select.ts';
import { seedReplica, type SeedReport } from './seed.ts';

const ATTEMPTS = 3;

/** Seeds a replica from the leader, taking a new snapshot when an attempt overlapped something that spoils it. */
async function seedWithRetries(config: Config, replica: PgEndpoint, progress: Progress): Promise<SeedReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await seedReplica(config, replica, progress);
    } catch (e) {
      if (!(e instanceof CqrsError && e.retriable) || attempt >= ATTEMPTS) throw e;
      progress.warn(`${e.message}; trying again (${attempt + 1}/${ATTEMPTS})`);
    }
  }
}

/** `replicas reseed R`: the named replica's content replaced by the leader's as of one snapshot, streaming on from there. */
export async function reseedReplica(config: Config, name: string, progress: Progress): Promise<SeedReport> {
  const [replica] = selectReplicas(config.replicas, [name]);
  return seedWithRetries(config, replica, progress);
}

export interface AddReport {
  replica: string;
  address: string;
  replicas: number;
  seed: SeedReport;
  /** Background apps restarted to take the new replica; apps in a foreground `up` that must be restarted by hand. */
  restarted: string[];
  foreground: string[];
}

/**
 * `replicas add`: one more replica server (replica-N+1 on replicaBasePort+N), seeded from the leader, the
 * new count recorded for the stack, and the background replicator and write API restarted to use it. A
 * failure before the count is recorded stops the new server again, so nothing half-added is left running.
 */
export async function addReplica(config: Config, progress: Progress): Promise<AddReport> {
  const record = readStackRecord(config);
  const runtime = await selectRuntime(config);
  if (!record)
    throw usageError(`no stack runs in ${config.settings.home}`, 'Start one with `cqrsctl up --detach`, then add replicas to it.');
  if (runtime.name !== 'native') {
    throw usageError(
      `\`replicas add\` starts replica servers on the native runtime only; this stack runs on the ${runtime.name} runtime`,
      runtime.name === 'docker'
        ? 'The docker runtime runs the replicas its compose file defines (pg-replica-1..3). Add a service there, then `cqrsctl down` and `cqrsctl up --replicas N`; `cqrsctl replicas reseed replica-N` seeds it.'
        : 'With the external runtime the replicas are the replicaUrls setting: add the new server there, then `cqrsctl replicas reseed replica-N` seeds it.',
    );
  }
  const source = config.sources.replicas;
  if (source.kind === 'file' || source.kind === 'env' || source.kind === 'flag') {
    throw usageError(
      `the replica count is set by ${source.label} (${config.settings.replicas}); after adding one, every command would refuse the mismatch with the running stack`,
      `Leave ${flagName('replicas')} unset (the state dir remembers the count), then run \`cqrsctl replicas add\` again.`,
    );
  }
  const count = config.replicas.length + 1;
  const grown = buildConfig({ ...config.settings, replicas: count }, config.configFile, config.sources, config.stack);
  const replica = grown.replicas[count - 1];
  const grownRuntime = await selectRuntime(grown);
  await grownRuntime.startService(replica.name, progress);
  let seed: SeedReport;
  try {
    seed = await seedWithRetries(grown, replica, progress);
  } catch (e) {
    await grownRuntime.stopService(replica.name, progress).catch(() => {});
    throw e;
  }
  writeStackRecordIn(config.settings.home, { ...record, settings: { ...record.settings, replicas: count } });
  const apps = await restartApps(grown, progress);
  return { replica: replica.name, address: `${replica.host}:${replica.port}`, replicas: count, seed, ...apps };
}

export interface ReplicaLine {
  name: string;
  address: string;
  state: string;
  progress: ReplicaProgress;
}

/** `replicas list`: each replica's address, server state (from the runtime) and replication progress (as `status` shows it). */
export async function listReplicas(config: Config): Promise<ReplicaLine[]> {
  const runtime = await selectRuntime(config);
  const [services, progress] = await Promise.all([runtime.status(), replicationStatus(config)]);
  return config.replicas.map((r, i) => ({
    name: r.name,
    address: `${r.host}:${r.port}`,
    state: services.find((s) => s.name === r.name)?.state ?? 'unknown',
    progress: progress[i],
  }));
}
