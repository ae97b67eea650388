import type { TableMeta } from './catalog.ts';
import type { Change, ChangeEvent } from './decode.ts';
import type { DeadLetters } from './dlq.ts';
import { describe, isTransient, PoisonBatch, PositionMismatch } from './errors.ts';
import type { LeaderCatalog } from './leader-catalog.ts';
import { buildStatements, type Statement } from './plan.ts';
import type { ReplicaSink } from './sink.ts';
import { isInternalTable } from './topics.ts';

export interface ApplyContext {
  catalog: LeaderCatalog;
  deadLetters: DeadLetters;
  /** Statements already built for the same changes (another replica at the same position), by first offset. */
  built: Map<bigint, Statement[]>;
}

/**
 * Applies a contiguous run of one partition's changes to one replica: one transaction with multi-row
 * statements. If that fails for a reason retrying cannot fix, the run is replayed one change per
 * transaction so that only the poison change(s) go to the dead-letter topic and everything else applies.
 * Transient failures and position mismatches are thrown for the caller to retry.
 */
export async function applyChanges(sink: ReplicaSink, changes: Change[], ctx: ApplyContext): Promise<void> {
  if (changes.length === 0) return;
  try {
    const statements = await prepare(sink, changes, ctx);
    await sink.apply(changes, statements);
  } catch (e) {
    if (isTransient(e) && !(e instanceof PoisonBatch)) throw e;
    if (e instanceof PositionMismatch) throw e;
    for (const change of changes) await applyOne(sink, change, ctx);
  }
}

async function applyOne(sink: ReplicaSink, change: Change, ctx: ApplyContext): Promise<void> {
  let statements: Statement[];
  try {
    statements = await prepare(sink, [change], { ...ctx, built: new Map() });
    await sink.apply([change], statements);
  } catch (e) {
    if (e instanceof PositionMismatch || (isTransient(e) && !(e instanceof PoisonBatch))) throw e;
    const reason = describe(e);
    await ctx.deadLetters.send(change, sink.name, reason);
    await sink.apply([change], [], (tx) => tx`
      insert into cqrsctl.dead_letters (topic, partition, "offset", reason) values (${change.topic}, ${change.partition}, ${change.offset.toString()}, ${reason})
      on conflict do nothing`);
  }
}

/** Makes this replica's tables ready for the changes and returns their statements (built once per position). */
async function prepare(sink: ReplicaSink, changes: Change[], ctx: ApplyContext): Promise<Statement[]> {
  const poison = changes.find((c) => c.poison);
  if (poison) throw new PoisonBatch(poison.poison);
  const rows = changes.filter((c) => c.event && !isInternalTable(c.event.schema)) as (Change & { event: ChangeEvent })[];
  await ctx.catalog.prepare(rows.map((c) => c.event));
  const metas = new Map<string, TableMeta>();
  for (const { event } of rows) {
    const entry = ctx.catalog.get(event.schema, event.table);
    if (!entry) throw new PoisonBatch(`table ${event.schema}.${event.table} does not exist on the leader (dropped?), so its definition is unknown`);
    if (entry.meta.primaryKey.length === 0) {
      throw new PoisonBatch(`table ${event.schema}.${event.table} has no primary key; cqrsctl replicates only tables with one (add a primary key on the leader)`);
    }
    if (!metas.has(entry.meta.qualified)) {
      metas.set(entry.meta.qualified, entry.meta);
      try {
        await sink.ensureTable(entry.meta, entry.version);
      } catch (e) {
        if (isTransient(e)) throw e;
        throw new PoisonBatch(`cannot create or alter ${entry.meta.qualified} on ${sink.name}: ${describe(e)}`);
      }
    }
  }
  const first = changes[0].offset;
  let statements = ctx.built.get(first);
  if (!statements) {
    try {
      statements = buildStatements(rows.map((c) => ({ key: c.key ?? '', event: c.event })), (e) => ctx.catalog.get(e.schema, e.table)!.meta);
    } catch (e) {
      throw new PoisonBatch(`cannot convert the values: ${describe(e)}`);
    }
    ctx.built.set(first, statements);
  }
  return statements;
}
