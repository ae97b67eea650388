import type { Config } from '../config/config.ts';
import { CqrsError, ExitCode, errorMessage, usageError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { readCatalog, type TableInfo } from './catalog.ts';
import { formatLsn } from '../pg/lsn.ts';
import { appliedLsn, leaderLsn, measureLag, waitForCatchUp, type Lag } from './catch-up.ts';
import { compareTable, leaderLevelCache, sidesOf, type TableDiff } from './compare-table.ts';
import { repairKeyedRows, repairMultiset, repairSchema } from './repair.ts';
import { selectReplicas, selectTables } from './select.ts';
import { openSession, type VerifySession } from './session.ts';

export interface VerifyOptions {
  tables?: string[];
  replicas?: string[];
  /** Wait up to this long for the replicas to catch up first; undefined: do not wait, report lag. */
  waitMs?: number;
  repair?: boolean;
}

export interface Repair {
  table: string;
  replica: string;
  actions: string[];
  deleted: number;
  inserted: number;
}

export interface VerifyReport {
  verdict: 'equal' | 'diverged' | 'lagging';
  /** The leader's WAL position when the command started. */
  leaderLsn: string;
  lag: Lag[];
  /** The final comparison (after repair when --repair ran one). */
  tables: TableDiff[];
  /** With --repair: what was found before repairing and what was done. */
  beforeRepair?: TableDiff[];
  repairs?: Repair[];
  bytesReceived: number;
  ms: number;
}

/** Proves (or disproves) that every selected replica holds exactly the leader's user tables; repairs on request. */
export async function verifyReplicas(config: Config, options: VerifyOptions, progress: Progress): Promise<VerifyReport> {
  const started = Date.now();
  const endpoints = selectReplicas(config.replicas, options.replicas);
  const leader = openSession(config.leader, endpoints.length + 1);
  const replicas = endpoints.map((e) => openSession(e, 2));
  const sessions = [leader, ...replicas];
  try {
    await progress.step('Connecting to the leader and the replicas', () => Promise.all(sessions.map(reach)));
    const target = await leaderLsn(leader);
    const probes = replicas.map((r) => ({ name: r.name, applied: () => appliedLsn(r) }));
    const finish = (verdict: VerifyReport['verdict'], lag: Lag[], tables: TableDiff[], extra: Partial<VerifyReport> = {}): VerifyReport => ({
      verdict, leaderLsn: formatLsn(target), lag, tables, ...extra,
      bytesReceived: sessions.reduce((n, s) => n + s.bytesReceived(), 0), ms: Date.now() - started,
    });

    let lag = await measureLag(target, probes);
    if (options.waitMs !== undefined) {
      const untracked = lag.filter((l) => l.appliedLsn === null).map((l) => l.replica);
      if (untracked.length) {
        throw usageError(`--wait: ${untracked.join(', ')} ha${untracked.length > 1 ? 've' : 's'} no replicator watermark (cqrsctl.watermark)`, 'The replicator has never applied anything there; is it running (cqrsctl status)? Run without --wait to compare anyway.');
      }
      const waited = await progress.step(`Waiting for the replicas to apply the leader's WAL up to ${formatLsn(target)}`, () => waitForCatchUp(target, probes, options.waitMs!));
      if (!waited.caughtUp) return finish('lagging', waited.lag, []);
      lag = waited.lag;
    }

    const before = await progress.step('Comparing tables', (update) => compareAll(leader, replicas, options.tables, update));
    const verdict = (diffs: TableDiff[]) => (diffs.every((d) => d.state === 'equal') ? 'equal' : 'diverged');
    if (!options.repair || verdict(before) === 'equal') return finish(verdict(before), lag, before);

    const repairs = await progress.step('Repairing diverged replicas from the leader', (update) => repairAll(leader, replicas, before, update));
    // A table only on replicas has been dropped from all of them: nothing is left to compare.
    const dropped = new Set(before.filter((d) => d.state === 'extra-table').map((d) => d.table));
    const again = [...new Set(before.map((d) => d.table))].filter((id) => !dropped.has(id));
    const after = again.length ? await progress.step('Comparing again', (update) => compareAll(leader, replicas, again, update)) : [];
    return finish(verdict(after), lag, after, { beforeRepair: before, repairs });
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

/** A database that cannot be reached is an environment error (exit 2) naming it, not a crash. */
async function reach(session: VerifySession): Promise<void> {
  try {
    await session.sql.unsafe('select 1');
  } catch (e) {
    throw new CqrsError(`cannot query ${session.name}: ${errorMessage(e)}`, 'Is the stack up? See `cqrsctl status`.', ExitCode.usage, { cause: e });
  }
}

async function catalogs(leader: VerifySession, replicas: VerifySession[]) {
  const [ours, ...theirs] = await Promise.all([leader, ...replicas].map(readCatalog));
  return { ours, theirs };
}

async function compareAll(leader: VerifySession, replicas: VerifySession[], names: string[] | undefined, update: (detail: string) => void): Promise<TableDiff[]> {
  const { ours, theirs } = await catalogs(leader, replicas);
  const tables = selectTables([...ours.keys(), ...theirs.flatMap((c) => [...c.keys()])], names);
  const level = leaderLevelCache(leader);
  const diffs: TableDiff[] = [];
  for (const [i, id] of tables.entries()) {
    update(`${id} (${i + 1}/${tables.length})`);
    const present = replicas.map((r, j) => ({ r, mine: theirs[j].get(id) })).filter(({ mine }) => ours.has(id) || mine);
    diffs.push(...(await Promise.all(present.map(({ r, mine }) => compareTable(leader, r, ours.get(id), mine, level)))));
  }
  return diffs;
}

async function repairAll(leader: VerifySession, replicas: VerifySession[], diffs: TableDiff[], update: (detail: string) => void): Promise<Repair[]> {
  const repairs: Repair[] = [];
  for (const found of diffs.filter((d) => d.state !== 'equal')) {
    update(`${found.replica} ${found.table}`);
    const replica = replicas.find((r) => r.name === found.replica)!;
    const table = async (s: VerifySession): Promise<TableInfo | undefined> => (await readCatalog(s)).get(found.table);
    const repair: Repair = { table: found.table, replica: found.replica, actions: [], deleted: 0, inserted: 0 };
    repairs.push(repair);
    let diff = found;
    if (diff.state !== 'diverged' || diff.schema) {
      repair.actions.push(...(await repairSchema(replica, diff, await table(leader), await table(replica))));
      if (diff.state === 'extra-table') continue;
      // Rows are compared again on the repaired definition: every column is now compared.
      diff = await compareTable(leader, replica, await table(leader), await table(replica), leaderLevelCache(leader));
    }
    if (!diff.missing.length && !diff.extra.length && !diff.changed.length) continue;
    const [ours, theirs] = [(await table(leader))!, (await table(replica))!];
    const rows = diff.keyless ? await repairMultiset(replica, diff, theirs) : await (() => {
      const sides = sidesOf(ours, theirs);
      return repairKeyedRows(leader, replica, diff, sides.leader, sides.replica, theirs);
    })();
    repair.deleted += rows.deleted;
    repair.inserted += rows.inserted;
  }
  return repairs;
}
