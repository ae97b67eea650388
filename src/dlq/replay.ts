import type postgres from 'postgres';
import type { Config, PgEndpoint } from '../config/config.ts';
import { captureScope } from '../config/scope.ts';
import type { Progress } from '../progress.ts';
import { describe } from '../replicator/failures.ts';
import { readSchemaState, takeApplyLock } from '../replicator/progress-schema.ts';
import { readCatalog, type TableInfo } from '../verify/catalog.ts';
import { appliedLsn, leaderLsn, waitForCatchUp } from '../verify/catch-up.ts';
import { changedColumns, type Values } from '../verify/classify.ts';
import { sidesOf } from '../verify/compare-table.ts';
import { rowsByKey, type Shape } from '../verify/row-sql.ts';
import { selectReplicas } from '../verify/select.ts';
import { normalizedSession, openSession, type VerifySession } from '../verify/session.ts';
import { openReplica, prepareLetters, readLetters, type LetterFilter, type StoredLetter } from './letters.ts';
import { planReplay, type KeyGroup } from './replay-plan.ts';

/**
 * - applied: replayed through the replicator's exact plan, and the row now equals the leader's;
 * - superseded: the replica's row already equals the leader's (newer changes of the row were applied
 *   after the letter), so replaying the older change would undo them: marked replayed, nothing applied;
 * - differs: with or without the replay the row differs from the leader's: left pending, nothing applied;
 * - failed: the change still cannot be applied (the cause is not fixed): left pending;
 * - not-replayable: a letter no replay can apply (see replay-plan.ts): left pending.
 */
export type Outcome = 'applied' | 'superseded' | 'differs' | 'failed' | 'not-replayable';

export interface LetterOutcome {
  replica: string;
  topic: string;
  partition: number;
  offset: string;
  table: string | null;
  key: string | null;
  outcome: Outcome;
  detail?: string;
}

export interface ReplayReport {
  letters: LetterOutcome[];
  applied: number;
  superseded: number;
  /** Letters still pending after the replay (differs, failed, not-replayable). */
  pending: number;
}

export interface ReplayOptions extends LetterFilter {
  /** How long to wait for each replica to apply what the leader has committed before replaying. */
  waitMs: number;
}

/**
 * Replays a replica's pending dead letters, row by row in their order, through the replicator's own exact
 * plan, in one transaction per replica that holds the apply lock (so the replicator, running or not, never
 * interleaves) and marks the replayed letters in the same transaction — a replay that crashes replays
 * nothing, and a letter once replayed is never replayed again. Each row is verified against the leader's
 * current row before it is kept: a replay never leaves a row that differs from the leader's.
 */
export async function replayDeadLetters(config: Config, options: ReplayOptions, progress: Progress): Promise<ReplayReport> {
  const leader = openSession(config.leader, 2);
  try {
    const letters: LetterOutcome[] = [];
    for (const endpoint of selectReplicas(config.replicas, options.replicas))
      letters.push(...(await replayOn(config, endpoint, leader, options, progress)));
    const count = (o: Outcome) => letters.filter((l) => l.outcome === o).length;
    return {
      letters,
      applied: count('applied'),
      superseded: count('superseded'),
      pending: letters.length - count('applied') - count('superseded'),
    };
  } finally {
    await leader.close();
  }
}

async function replayOn(
  config: Config,
  endpoint: PgEndpoint,
  leader: VerifySession,
  options: ReplayOptions,
  progress: Progress,
): Promise<LetterOutcome[]> {
  // Row text compared with the leader's must be printed under the settings verify uses.
  const sql = openReplica(endpoint, { ...normalizedSession, application_name: 'cqrsctl-dlq' });
  const view = openSession(endpoint, 1);
  try {
    await prepareLetters(sql, endpoint);
    const pending = await readLetters(sql, endpoint.name, options);
    if (!pending.length) return [];
    // The leader's current row is what a replayed row must equal: first let the replica apply what the
    // leader has committed, so rows the replicator is about to update anyway do not count as differing.
    const target = await leaderLsn(leader);
    if ((await appliedLsn(view)) !== null)
      await progress.step(`Waiting for ${endpoint.name} to apply the leader's WAL`, () =>
        waitForCatchUp(target, [{ name: endpoint.name, applied: () => appliedLsn(view) }], options.waitMs),
      );
    const scope = captureScope(config.settings);
    const [ours, theirs] = await Promise.all([readCatalog(leader, scope), readCatalog(view, scope)]);
    return await progress.step(`Replaying ${pending.length} dead letter${pending.length === 1 ? '' : 's'} on ${endpoint.name}`, () =>
      sql.begin(async (tx) => {
        await takeApplyLock(tx);
        const letters = await readLetters(tx, endpoint.name, options, true);
        const { groups, unreplayable } = planReplay(letters, await readSchemaState(tx));
        const outcomes = unreplayable.map((u) => outcomeOf(u.letter, 'not-replayable', u.why));
        for (const group of groups) outcomes.push(...(await replayRow(tx, group, leader, ours, theirs)));
        for (const o of outcomes.filter((x) => x.outcome === 'applied' || x.outcome === 'superseded'))
          await tx`update cqrsctl.dead_letters set replayed_at = now(), replay_outcome = ${o.outcome}
                    where topic = ${o.topic} and partition = ${o.partition} and "offset" = ${o.offset}::bigint`;
        return outcomes;
      }),
    );
  } finally {
    await Promise.all([sql.end({ timeout: 2 }), view.close()]);
  }
}

class RowDiffers extends Error {}

async function replayRow(
  tx: postgres.TransactionSql,
  group: KeyGroup,
  leader: VerifySession,
  ours: Map<string, TableInfo>,
  theirs: Map<string, TableInfo>,
): Promise<LetterOutcome[]> {
  const all = (outcome: Outcome, detail?: string) => group.letters.map((l) => outcomeOf(l, outcome, detail));
  const [leaderTable, replicaTable] = [ours.get(group.table), theirs.get(group.table)];
  if (!leaderTable || !replicaTable)
    return all('not-replayable', `${group.table} does not exist on ${leaderTable ? 'the replica' : 'the leader'} (any more)`);
  const sides = sidesOf(leaderTable, replicaTable);
  if (sides.key.join('\u0000') !== group.keyColumns.join('\u0000'))
    return all(
      'not-replayable',
      `the primary key of ${group.table} is (${sides.key.join(', ')}) now, the letters name (${group.keyColumns.join(', ')})`,
    );
  const truth = await rowOf(leader.sql, sides.leader, group.key);
  let replayed: Values | undefined;
  let failure: unknown;
  try {
    await tx.savepoint(async (sp) => {
      for (const s of group.statements) await sp.unsafe(s.sql, s.params as never);
      replayed = await rowOf(sp, sides.replica, group.key);
      if (!same(replayed, truth)) throw new RowDiffers();
    });
    return all('applied');
  } catch (e) {
    failure = e instanceof RowDiffers ? undefined : e;
  }
  if (same(await rowOf(tx, sides.replica, group.key), truth))
    return all('superseded', "the replica's row already equals the leader's: newer changes of it were applied after the letter");
  if (failure) return all('failed', `still cannot apply: ${describe(failure)}`);
  return all(
    'differs',
    `replayed, the row would still differ from the leader's (${difference(sides.columns, sides.key.length, truth, replayed)}), so nothing was applied: ` +
      `the leader changed the row since, or the replica's row was changed by hand; replay again once the replica has caught up, ` +
      `or \`cqrsctl verify-replicas --repair --table ${group.table}\``,
  );
}

const outcomeOf = (l: StoredLetter, outcome: Outcome, detail?: string): LetterOutcome => ({
  replica: l.replica,
  topic: l.topic,
  partition: l.partition,
  offset: l.offset,
  table: l.table,
  key: l.key,
  outcome,
  ...(detail ? { detail } : {}),
});

async function rowOf(sql: postgres.Sql | postgres.TransactionSql, shape: Shape, key: (string | null)[]): Promise<Values | undefined> {
  const q = rowsByKey(shape, shape.columns, [key]);
  const [row] = (await sql.unsafe(q.text, q.params).values()) as Values[];
  return row;
}

const same = (a: Values | undefined, b: Values | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function difference(columns: string[], keyLength: number, leader: Values | undefined, replica: Values | undefined): string {
  if (!leader) return 'the leader has no such row';
  if (!replica) return 'the replica would have no such row';
  return `columns ${changedColumns(columns, keyLength, leader, replica).join(', ')}`;
}
