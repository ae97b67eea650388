import postgres from 'postgres';
import type { PgEndpoint } from '../config/config.ts';
import { pgClient } from '../pg/client.ts';
import type { Change } from './decode.ts';
import { describe, PositionMismatch } from './failures.ts';
import type { Tail, Unit } from './order.ts';
import {
  prepareProgressSchema,
  readPositions,
  recordDeadLetter,
  takeApplyLock,
  readSchemaState,
  recordPosition,
  recordSchemaState,
  type Position,
} from './progress-schema.ts';
import { EMPTY_SNAPSHOT } from './schema/diff.ts';
import type { Plan, SchemaState } from './steps.ts';
import type { Statement } from './plan.ts';
import { tpKey } from './topics.ts';
import { recordWatermark } from './watermark.ts';
import { checkOwner, claimReplica } from './owner.ts';

/** `elsewhere`: this replicator does not own the replica (another member of the group applies to it). */
export type SinkState = 'attached' | 'catching-up' | 'down' | 'elsewhere';

/** What the replicator and apply.ts use of a replica: a ReplicaSink, or a fake in unit tests. */
export type Sink = Pick<
  ReplicaSink,
  | 'name'
  | 'state'
  | 'lastError'
  | 'epoch'
  | 'positions'
  | 'schema'
  | 'claim'
  | 'load'
  | 'applied'
  | 'apply'
  | 'recordWatermark'
  | 'track'
  | 'settled'
  | 'close'
>;

/** A change a replica could not apply (or a schema change it could not mirror), and why. */
export interface Rejection {
  change: Change;
  reason: string;
}

/**
 * One read replica: its connection, the position it has applied (mirroring cqrsctl.applied_offsets), the
 * schema it follows, and the transaction that applies a group of units. The in-memory position only
 * chooses which units to send; the transaction re-checks the recorded position under the apply lock, so a
 * stale view can never apply twice or skip, and the owner epoch (owner.ts), so a replicator that lost the
 * replica to another can never apply to it.
 */
export class ReplicaSink {
  readonly sql: postgres.Sql;
  readonly positions = new Map<string, Position>();
  schema: SchemaState = { changeId: 0, snapshot: EMPTY_SNAPSHOT };
  state: SinkState = 'elsewhere';
  lastError?: string;
  /** The owner epoch this replicator claimed (null: not claimed, so nothing may be applied). */
  epoch: bigint | null = null;
  /** Applies in flight, so a sink detached for being slow is not used again before they settle. */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(readonly endpoint: PgEndpoint) {
    // synchronous_commit=off is safe here: the rows and their recorded position commit together, so a replica
    // crash can only lose a suffix of whole groups, and the replicator re-applies exactly that suffix.
    this.sql = pgClient(endpoint, {
      connect_timeout: 5,
      idle_timeout: 0,
      connection: { application_name: 'cqrsctl-replicator', synchronous_commit: 'off' },
    });
  }

  get name() {
    return this.endpoint.name;
  }

  /** Claims the replica for `member` (a new owner epoch); load after it, so positions include every earlier owner's commit. */
  async claim(member: string): Promise<void> {
    await prepareProgressSchema(this.sql);
    this.epoch = await claimReplica(this.sql, member);
  }

  /** Prepares the progress schema and loads the recorded positions and schema. */
  async load(): Promise<void> {
    await prepareProgressSchema(this.sql);
    const [positions, schema] = await Promise.all([readPositions(this.sql), readSchemaState(this.sql)]);
    this.positions.clear();
    for (const p of positions) this.positions.set(tpKey(p.topic, p.partition), p);
    this.schema = schema;
  }

  /** The last applied offset of a topic-partition, or null when nothing was applied there yet. */
  applied(topic: string, partition: number): bigint | null {
    return this.positions.get(tpKey(topic, partition))?.offset ?? null;
  }

  /**
   * Applies a plan for `units` (contiguous, in offset order) in one transaction that also records the new
   * position and schema; the apply lock (shared with verify-replicas --repair) keeps a repair from
   * interleaving. Careful mode runs each statement under a savepoint and rejects the ones that fail
   * instead of failing the transaction. Schema DDL always runs that way: a definition the replica cannot
   * take (say, an index on a function it lacks) is named, and the rows go on. Returns what was rejected.
   */
  async apply(units: Unit[], plan: Plan, careful: boolean): Promise<Rejection[]> {
    const first = units[0];
    const last = units[units.length - 1];
    const { topic, partition } = first;
    const known = this.applied(topic, partition);
    const position = lastPosition(units);
    const tails = lastTails(units);
    const rejected: Rejection[] = [...plan.rejected];
    await this.sql.begin(async (tx) => {
      const [, , rows] = await Promise.all([
        takeApplyLock(tx),
        checkOwner(tx, this.name, this.epoch),
        tx<{ offset: string }[]>`select "offset"::text from cqrsctl.applied_offsets where topic = ${topic} and partition = ${partition}`,
      ]);
      const recorded = rows.length ? BigInt(rows[0].offset) : null;
      // No record is right only when this replica never applied anything on the partition.
      const want = known === null ? null : first.first - 1n;
      if (recorded !== want) throw new PositionMismatch(recorded, want);
      // Statements must run on the savepoint's own handle: postgres.js fails the whole transaction otherwise.
      const guarded = async (change: Change | undefined, what: string, work: (sp: postgres.TransactionSql) => Promise<unknown>) => {
        try {
          await tx.savepoint((sp) => work(sp));
        } catch (e) {
          if (!change) throw e;
          rejected.push({ change, reason: `${what}: ${describe(e)}` });
        }
      };
      for (const step of plan.steps) {
        if (step.kind === 'rows') {
          if (careful) for (const s of step.statements) await guarded(s.source, 'cannot apply', (sp) => run(sp, s));
          else await Promise.all(step.statements.map((s) => run(tx, s)));
        } else if (step.kind === 'schema') {
          for (const t of step.truncate) await tx.unsafe(t);
          for (const ddl of step.statements)
            await guarded(step.change, `cannot mirror schema change ${step.changeId} (${step.tag}) with \`${ddl}\``, (sp) =>
              sp.unsafe(ddl),
            );
          for (const u of step.unsupported)
            rejected.push({ change: step.change, reason: `cannot mirror schema change ${step.changeId} (${step.tag}): ${u}` });
        } else if (careful) {
          await guarded(step.change, 'cannot reload rewritten rows', (sp) => run(sp, step.statement));
        } else {
          await run(tx, step.statement);
        }
      }
      const writes: Promise<unknown>[] = [recordPosition(tx, topic, partition, position)];
      for (const t of tails) writes.push(recordPosition(tx, t.topic, t.partition, { ...position, offset: t.last }));
      if (plan.state.changeId !== this.schema.changeId) writes.push(recordSchemaState(tx, plan.state));
      for (const r of rejected) {
        writes.push(recordDeadLetter(tx, r));
      }
      await Promise.all(writes);
    });
    this.positions.set(tpKey(topic, partition), { ...position, offset: last.last });
    for (const t of tails) this.positions.set(tpKey(t.topic, t.partition), { ...position, offset: t.last });
    this.schema = plan.state;
    return rejected;
  }

  /** Records the read-your-writes watermark (watermark.ts), as the owner only; it never moves back. */
  async recordWatermark(lsn: bigint): Promise<void> {
    await this.sql.begin(async (tx) => {
      await takeApplyLock(tx);
      await checkOwner(tx, this.name, this.epoch);
      await recordWatermark(tx, lsn);
    });
  }

  track(p: Promise<unknown>): void {
    const settled = p.catch(() => {}).finally(() => this.inflight.delete(settled));
    this.inflight.add(settled);
  }

  async settled(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

const run = (tx: postgres.TransactionSql, s: Statement) => tx.unsafe(s.sql, wireParams(s) as never);

/**
 * A statement's parameters as sent: each text[] as its array literal, made once per statement however many
 * replicas run it (the plan is shared; postgres.js would serialize the arrays again for every replica).
 */
const wired = new WeakMap<Statement, unknown[]>();
function wireParams(s: Statement): unknown[] {
  let params = wired.get(s);
  if (!params) wired.set(s, (params = s.params.map((p) => (Array.isArray(p) ? textArrayLiteral(p as (string | null)[]) : p))));
  return params;
}

const textArrayLiteral = (values: (string | null)[]) =>
  `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;

/** The last offset the units take of each partition besides the one that orders them (merge.ts). */
function lastTails(units: Unit[]): Tail[] {
  const last = new Map<string, Tail>();
  for (const u of units) for (const t of u.tails ?? []) last.set(tpKey(t.topic, t.partition), t);
  return [...last.values()];
}

/**
 * Position after the units: the last offset, with the LSN and commit time of the last record that has them —
 * an END's LSN is its transaction's commit (which the merger resumes from), an event's its own.
 */
function lastPosition(units: Unit[]): Position {
  let lsn: bigint | null = null;
  let tsMs: number | null = null;
  for (let u = units.length - 1; u >= 0 && (lsn === null || tsMs === null); u--) {
    if (units[u].resent) continue; // its commit lies behind one applied already
    const records = units[u].records;
    for (let i = records.length - 1; i >= 0 && (lsn === null || tsMs === null); i--) {
      lsn ??= (records[i].boundary?.status === 'END' ? records[i].boundary!.lsn : records[i].event?.lsn) ?? null;
      tsMs ??= records[i].event?.tsMs ?? null;
    }
  }
  return { offset: units[units.length - 1].last, lsn, tsMs };
}
