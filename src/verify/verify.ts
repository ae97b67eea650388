import type { Config } from '../config/config.ts';
import { CqrsError, ExitCode, errorMessage, usageError } from '../errors.ts';
import { fromBoundary } from '../lib/boundary.ts';
import type { Progress } from '../progress.ts';
import { readCatalog, type TableInfo } from './catalog.ts';
import { formatLsn } from '../pg/lsn.ts';
import { appliedLsn, leaderLsn, measureLag, waitForCatchUp, type Lag } from './catch-up.ts';
import { compareTable, leaderLevelCache, sidesOf, type TableDiff } from './compare-table.ts';
import { repairDefinitions, repairKeyedRows, repairMultiset } from './repair.ts';
import { compareDefinitions, definitionRepair, readDefinitions } from './definitions.ts';
import { captureScope, describeScope, type CaptureScope } from '../config/scope.ts';
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
  /** What was compared: the capture scope (tables outside it are neither compared nor repaired). */
  scope: string;
  bytesReceived: number;
  ms: number;
}

/** Proves (or disproves) that every selected replica holds exactly the leader's user tables; repairs on request. */
export async function verifyReplicas(config: Config, options: VerifyOptions, progress: Progress): Promise<VerifyReport> {
  const started = Date.now();
  const scope = captureScope(config.settings);
  const endpoints = selectReplicas(config.replicas, options.replicas);
  const leader = openSession(config.leader, endpoints.length + 1);
  const replicas = endpoints.map((e) => openSession(e, 2));
  const sessions = [leader, ...replicas];
  try {
    await progress.step('Connecting to the leader and the replicas', () => Promise.all(sessions.map(reach)));
    const target = await leaderLsn(leader);
    const probes = replicas.map((r) => ({ name: r.name, applied: () => appliedLsn(r) }));
    const finish = (
      verdict: VerifyReport['verdict'],
      lag: Lag[],
      tables: TableDiff[],
      extra: Partial<VerifyReport> = {},
    ): VerifyReport => ({
      verdict,
      leaderLsn: formatLsn(target),
      lag,
      tables,
      scope: describeScope(scope),
      ...extra,
      bytesReceived: sessions.reduce((n, s) => n + s.bytesReceived(), 0),
      ms: Date.now() - started,
    });

    let lag = await measureLag(target, probes);
    if (options.waitMs !== undefined) {
      const untracked = lag.filter((l) => l.appliedLsn === null).map((l) => l.replica);
      if (untracked.length) {
        throw usageError(
          `--wait: ${untracked.join(', ')} ha${untracked.length > 1 ? 've' : 's'} no replicator watermark (cqrsctl.watermark)`,
          'The replicator has never applied anything there; is it running (cqrsctl status)? Run without --wait to compare anyway.',
        );
      }
      const waited = await progress.step(`Waiting for the replicas to apply the leader's WAL up to ${formatLsn(target)}`, () =>
        waitForCatchUp(target, probes, options.waitMs!),
      );
      if (!waited.caughtUp) return finish('lagging', waited.lag, []);
      lag = waited.lag;
    }

    const before = await progress.step('Comparing definitions and rows', (update) =>
      compareAll(leader, replicas, scope, options.tables, update),
    );
    const verdict = (diffs: TableDiff[]) => (diffs.every((d) => d.state === 'equal') ? 'equal' : 'diverged');
    if (!options.repair || verdict(before) === 'equal') return finish(verdict(before), lag, before);

    const repairs = await progress.step('Repairing diverged replicas from the leader', (update) =>
      repairAll(leader, replicas, scope, before, update),
    );
    // A table only on replicas has been dropped from all of them: nothing is left to compare.
    const dropped = new Set(before.filter((d) => d.state === 'extra-table').map((d) => d.table));
    const again = options.tables?.length ? [...new Set(before.map((d) => d.table))].filter((id) => !dropped.has(id)) : undefined;
    const after = await progress.step('Comparing again', (update) => compareAll(leader, replicas, scope, again, update));
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
    throw new CqrsError(`cannot query ${session.name}: ${errorMessage(e)}`, 'Is the stack up? See `cqrsctl status`.', ExitCode.usage, {
      cause: e,
    });
  }
}

async function compareAll(
  leader: VerifySession,
  replicas: VerifySession[],
  scope: CaptureScope,
  names: string[] | undefined,
  update: (detail: string) => void,
): Promise<TableDiff[]> {
  const [catalogs, definitions] = await Promise.all([
    Promise.all([leader, ...replicas].map((s) => readCatalog(s, scope))),
    Promise.all([leader, ...replicas].map((s) => readDefinitions(s, scope))),
  ]);
  const [ours, ...theirs] = catalogs;
  const [leaderDefs, ...replicaDefs] = definitions;
  const tables = selectTables([...ours.keys(), ...theirs.flatMap((c) => [...c.keys()])], names);
  const level = leaderLevelCache(leader);
  const diffs: TableDiff[] = [];
  for (const [i, id] of tables.entries()) {
    update(`${id} (${i + 1}/${tables.length})`);
    const present = replicas.map((r, j) => ({ r, mine: theirs[j].get(id) })).filter(({ mine }) => ours.has(id) || mine);
    diffs.push(...(await Promise.all(present.map(({ r, mine }) => compareTable(leader, r, ours.get(id), mine, level)))));
  }
  // Definitions: a table's is attached to its row comparison; other objects (types, partitions, …) get entries of their own.
  for (const [j, r] of replicas.entries()) {
    for (const d of compareDefinitions(leaderDefs, replicaDefs[j])) {
      if (names?.length && !names.includes(d.object)) continue;
      const row = diffs.find((x) => x.replica === r.name && x.table === d.object);
      if (row) {
        row.definition = d;
        if (row.state === 'equal') row.state = 'diverged';
      } else {
        diffs.push({
          table: d.object,
          replica: r.name,
          state: 'diverged',
          keyless: false,
          leaderRows: 0,
          replicaRows: 0,
          missing: [],
          extra: [],
          changed: [],
          keyColumns: [],
          definition: d,
          ms: 0,
        });
      }
    }
  }
  return diffs;
}

async function repairAll(
  leader: VerifySession,
  replicas: VerifySession[],
  scope: CaptureScope,
  diffs: TableDiff[],
  update: (detail: string) => void,
): Promise<Repair[]> {
  const repairs: Repair[] = [];
  const leaderDefs = await readDefinitions(leader, scope);
  // Definitions first, per replica and in one transaction: they decide which columns rows are compared on.
  for (const replica of replicas) {
    const found = diffs.filter(
      (d) => d.replica === replica.name && (d.definition || d.schema || d.state === 'missing-table' || d.state === 'extra-table'),
    );
    if (!found.length) continue;
    update(`${replica.name} definitions`);
    const repair: Repair = { table: found.map((d) => d.table).join(', '), replica: replica.name, actions: [], deleted: 0, inserted: 0 };
    repairs.push(repair);
    repair.actions.push(
      ...(await on(replica, async () => repairDefinitions(replica, definitionRepair(leaderDefs, await readDefinitions(replica, scope))))),
    );
  }
  const table = async (s: VerifySession, id: string): Promise<TableInfo | undefined> => (await readCatalog(s, scope)).get(id);
  for (const found of diffs.filter(
    (d) =>
      d.state !== 'equal' &&
      d.state !== 'extra-table' &&
      d.leaderRows + d.replicaRows + d.missing.length + d.extra.length + d.changed.length > 0,
  )) {
    update(`${found.replica} ${found.table}`);
    const replica = replicas.find((r) => r.name === found.replica)!;
    let diff = found;
    if (diff.state !== 'diverged' || diff.schema || diff.definition) {
      // Rows are compared again on the repaired definition: every column is now compared.
      const [ours, theirs] = [await table(leader, found.table), await table(replica, found.table)];
      if (!ours || !theirs) continue;
      diff = await compareTable(leader, replica, ours, theirs, leaderLevelCache(leader));
    }
    if (!diff.missing.length && !diff.extra.length && !diff.changed.length) continue;
    const [ours, theirs] = [(await table(leader, found.table))!, (await table(replica, found.table))!];
    const rows = await on(replica, () => {
      if (diff.keyless) return repairMultiset(replica, diff, theirs);
      const sides = sidesOf(ours, theirs);
      return repairKeyedRows(leader, replica, diff, sides.leader, sides.replica, theirs);
    });
    repairs.push({ table: found.table, replica: found.replica, actions: [], ...rows });
  }
  return repairs;
}

/** Runs a repair step on a replica; what the replica refuses is reported naming it, not as a bug. */
async function on<T>(replica: VerifySession, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw fromBoundary(e, replica.endpoint) ?? e;
  }
}
