import { setTimeout as sleep } from 'node:timers/promises';
import type { Config, PgEndpoint } from '../config/config.ts';
import { ConnectClient } from '../connect/client.ts';
import { applyGroup, type ApplyContext } from './apply.ts';
import type { Change } from './decode.ts';
import { describe, PositionMismatch } from './errors.ts';
import { kafkaBroker, type Broker } from './kafka.ts';
import { Assembler, groupUnits, type Unit } from './order.ts';
import { ReplicaSink, type Sink } from './sink.ts';
import { tpKey } from './topics.ts';
import { satisfiedCandidate, type Candidate } from './watermark.ts';

const SLOW_MS = 15_000;
const TICK_MS = 250;
/** Events at most in one replica transaction (whole units always: a bigger transaction is never split). */
const GROUP_EVENTS = 20_000;

export interface ReplicaStats {
  name: string;
  state: Sink['state'];
  lagEvents: number;
  lagMs: number | null;
  /** Leader LSN of the newest change applied (null before any). */
  appliedLsn: bigint | null;
  lastError?: string;
}

/** What the replicator talks to; the defaults are the real ones, unit tests pass fakes. */
export interface ReplicatorOptions {
  broker: Broker;
  createSink: (endpoint: PgEndpoint) => Sink;
  /** lsn_commit of the connector's last committed source offset (every transaction up to it is in Kafka). */
  committedLsn: () => Promise<bigint | undefined>;
  sleep: (ms: number) => Promise<unknown>;
  /** How long a replica may take over one group before it is detached as slow. */
  slowMs: number;
}

/**
 * Applies the connector's change events to every replica, in the leader's commit order and whole
 * transactions at a time: the reader's records are cut into units (order.ts), consecutive units are
 * grouped into one replica transaction each, and each group is planned once per schema (steps.ts) and
 * applied to every attached replica in parallel. A replica that fails
 * or is slower than SLOW_MS is detached: it gets its own catch-up reader that starts from the replica's
 * recorded positions, reconnects with backoff, and hands the replica back to the main reader once it has
 * caught up with it — so one replica down never stalls the others, and nothing is skipped: a replica whose
 * position does not meet the next batch is detached again rather than given a gap.
 */
export class Replicator {
  private readonly broker: Broker;
  readonly sinks: Sink[];
  private readonly committedLsn: () => Promise<bigint | undefined>;
  private readonly sleep: (ms: number) => Promise<unknown>;
  private readonly slowMs: number;
  /** Main-reader batches in flight (one per partition at most; partitions run concurrently). */
  private activeBatches = 0;
  private topics: string[] = [];
  private topicsVersion = 0;
  private main?: { stop(): Promise<void> };
  /** Last offset the main reader handed to the replicas, per tpKey. */
  private readonly mainLast = new Map<string, bigint>();
  private ends = new Map<string, bigint>();
  private candidates: Candidate[] = [];
  private readonly watermarks = new Map<Sink, bigint>();
  private readonly catchingUp = new Set<Sink>();
  private running = false;
  private ticker?: Promise<void>;
  private crashed?: (e: Error) => void;
  /** Changes read and applied (to at least one replica) since start. */
  events = 0;

  constructor(
    config: Config,
    private readonly log: (line: string) => void,
    options: Partial<ReplicatorOptions> = {},
  ) {
    this.broker = options.broker ?? kafkaBroker(config);
    const createSink = options.createSink ?? ((r: PgEndpoint) => new ReplicaSink(r));
    this.sinks = config.replicas.map((r) => createSink(r));
    this.committedLsn = options.committedLsn ?? connectorCommittedLsn(new ConnectClient(config.connectUrls), config.settings.connectorName);
    this.sleep = options.sleep ?? sleep;
    this.slowMs = options.slowMs ?? SLOW_MS;
  }

  /** Starts reading; resolves once the main reader runs. `done` rejects if the replicator cannot go on. */
  async start(): Promise<{ done: Promise<void> }> {
    this.running = true;
    const done = new Promise<void>((_, reject) => (this.crashed = reject));
    await this.broker.connect();
    this.topics = await this.broker.changeTopics();
    await Promise.all(
      this.sinks.map(async (s) => {
        try {
          await s.load();
          s.state = 'attached';
        } catch (e) {
          this.detach(s, describe(e));
        }
      }),
    );
    await this.startMain();
    this.ticker = this.tickLoop();
    return { done };
  }

  /** Stops after the batch in flight: each replica's transaction either committed or never happened. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.main?.stop().catch(() => {});
    await this.ticker;
    while (this.catchingUp.size) await this.sleep(100);
    await Promise.all(this.sinks.map((s) => s.settled()));
    await Promise.allSettled([...this.sinks.map((s) => s.close()), this.broker.disconnect()]);
  }

  stats(): ReplicaStats[] {
    return this.sinks.map((s) => {
      let lag = 0n;
      for (const [tp, end] of this.ends) {
        const applied = s.positions.get(tp)?.offset ?? -1n;
        if (end - 1n > applied) lag += end - 1n - applied;
      }
      const ts = Math.max(0, ...[...s.positions.values()].map((p) => p.tsMs ?? 0));
      const lsns = [...s.positions.values()].map((p) => p.lsn).filter((l): l is bigint => l !== null);
      const appliedLsn = lsns.length ? lsns.reduce((a, b) => (a > b ? a : b)) : null;
      return {
        name: s.name,
        state: s.state,
        lagEvents: Number(lag),
        lagMs: ts ? Math.max(0, Date.now() - ts) : null,
        appliedLsn,
        lastError: s.lastError,
      };
    });
  }

  private startOffsets(sinks: Sink[]): Map<string, bigint> {
    const start = new Map<string, bigint>();
    const keys = new Set(sinks.flatMap((s) => [...s.positions.keys()]));
    for (const tp of keys) {
      const offsets = sinks.map((s) => s.positions.get(tp)?.offset ?? null);
      // A replica with no record here needs the partition from its start: leave it to "earliest".
      if (offsets.some((o) => o === null)) continue;
      start.set(tp, (offsets as bigint[]).reduce((a, b) => (a < b ? a : b)) + 1n);
    }
    return start;
  }

  private async startMain(): Promise<void> {
    const attached = this.sinks.filter((s) => s.state === 'attached');
    const assembler = new Assembler();
    this.main = await this.broker.startReader({
      name: 'replicator',
      topics: this.topics,
      start: this.startOffsets(attached),
      onBatch: async (topic, partition, changes, hw) => {
        const tp = tpKey(topic, partition);
        if (hw > (this.ends.get(tp) ?? 0n)) this.ends.set(tp, hw);
        this.activeBatches++;
        try {
          for (const group of groupUnits(this.assemble(assembler, changes), GROUP_EVENTS)) await this.mainGroup(group);
        } finally {
          this.activeBatches--;
        }
      },
      onCrash: (e) => this.crashed?.(e),
    });
  }

  private async mainGroup(units: Unit[]): Promise<void> {
    const { topic, partition } = units[0].records[0];
    const ctx = this.context();
    const attached = this.sinks.filter((s) => s.state === 'attached');
    const pending = new Set(attached);
    const runs = attached.map(async (sink) => {
      const p = this.feed(sink, units, ctx).then(
        () => pending.delete(sink),
        (e) => {
          pending.delete(sink);
          this.detach(sink, describe(e));
        },
      );
      sink.track(p);
      return p;
    });
    await Promise.race([Promise.all(runs), this.sleep(this.slowMs)]);
    for (const sink of pending) this.detach(sink, `slow: a transaction took longer than ${this.slowMs / 1000} s`);
    this.mainLast.set(tpKey(topic, partition), units[units.length - 1].last);
    this.events += units.reduce((n, u) => n + u.records.length, 0);
  }

  private assemble(assembler: Assembler, changes: Change[]): Unit[] {
    const units = assembler.push(changes);
    for (const u of units) {
      if (u.incomplete)
        this.log(`transaction at offsets ${u.first}..${u.last} has no END record (the connector restarted in it); applied as received`);
      if (u.countMismatch)
        this.log(
          `transaction at offsets ${u.first}..${u.last}: END counts ${u.countMismatch.expected} events, ${u.countMismatch.received} arrived; applied as received`,
        );
    }
    return units;
  }

  private context(): ApplyContext {
    return { deadLetters: this.broker.deadLetters, plans: new Map(), log: this.log };
  }

  /** Applies the units the replica lacks; throws on a gap or a failure retrying now would not fix. */
  private async feed(sink: Sink, units: Unit[], ctx: ApplyContext): Promise<void> {
    const { topic, partition } = units[0].records[0];
    for (let attempt = 0; ; attempt++) {
      const known = sink.applied(topic, partition);
      const run = known === null ? units : units.filter((u) => u.last > known);
      if (run.length === 0) return;
      if (known !== null && run[0].first !== known + 1n)
        throw new Error(
          `gap: ${sink.name} is at offset ${known} of ${topic}[${partition}], the next transaction starts at ${run[0].first}`,
        );
      try {
        return await applyGroup(sink, run, ctx);
      } catch (e) {
        // Someone else (another replicator, a restored replica) moved the position: re-read it once and retry.
        if (!(e instanceof PositionMismatch) || attempt > 0) throw e;
        await sink.load();
      }
    }
  }

  private detach(sink: Sink, reason: string): void {
    if (sink.state === 'attached') this.log(`${sink.name}: detached (${reason}); it catches up on its own`);
    sink.state = sink.state === 'attached' ? 'catching-up' : sink.state;
    sink.lastError = reason;
    if (!this.catchingUp.has(sink)) void this.catchUp(sink);
  }

  /**
   * True when the replica has applied everything the main reader handed out (or, before it handed out
   * anything, what the broker held at the last tick). Not the broker's end otherwise: under steady writes
   * the log usually ends inside a transaction that no replica can have applied yet.
   */
  private caughtUp(sink: Sink): boolean {
    for (const tp of new Set([...this.mainLast.keys(), ...this.ends.keys()])) {
      const need = this.mainLast.get(tp) ?? (this.ends.get(tp) ?? 0n) - 1n;
      if ((sink.positions.get(tp)?.offset ?? -1n) < need) return false;
    }
    return true;
  }

  private async catchUp(sink: Sink): Promise<void> {
    this.catchingUp.add(sink);
    let delay = 500;
    try {
      while (this.running && sink.state !== 'attached') {
        let reader: { stop(): Promise<void> } | undefined;
        try {
          await sink.settled();
          await sink.load();
          if (sink.state === 'down') this.log(`${sink.name}: reachable again, catching up`);
          sink.state = 'catching-up';
          const version = this.topicsVersion;
          const assembler = new Assembler();
          let failure: unknown;
          reader = await this.broker.startReader({
            name: `catch-up-${sink.name}`,
            topics: this.topics,
            start: this.startOffsets([sink]),
            onBatch: async (_t, _p, changes) => {
              if (sink.state !== 'catching-up' || failure) return;
              try {
                for (const group of groupUnits(assembler.push(changes), GROUP_EVENTS)) await this.feed(sink, group, this.context());
              } catch (e) {
                failure = e;
              }
            },
            onCrash: (e) => (failure = e),
          });
          while (this.running && !failure && version === this.topicsVersion) {
            // Only while no main batch is in flight (checked and switched without yielding), so no batch
            // is half-way when the replica joins; the next batch of every partition then includes it.
            if (this.activeBatches === 0 && this.caughtUp(sink)) {
              sink.state = 'attached';
              this.log(`${sink.name}: caught up, back with the main reader`);
              break;
            }
            await this.sleep(250);
          }
          if (failure) throw failure;
          delay = 500;
        } catch (e) {
          sink.state = 'down';
          if (describe(e) !== sink.lastError) this.log(`${sink.name}: ${describe(e)}; retrying`);
          sink.lastError = describe(e);
          await this.sleep(delay);
          delay = Math.min(delay * 2, 5_000);
        } finally {
          await reader?.stop().catch(() => {});
        }
      }
    } finally {
      this.catchingUp.delete(sink);
    }
  }

  /** Four times a second: follow new topics, sample the broker's log ends and the connector's committed LSN, advance watermarks. */
  private async tickLoop(): Promise<void> {
    while (this.running) {
      await this.sleep(TICK_MS);
      if (!this.running) break;
      try {
        const committed = await this.committedLsn().catch(() => undefined);
        const topics = await this.broker.changeTopics();
        const ends = await this.broker.logEnds(topics);
        this.ends = ends;
        if (committed !== undefined) this.candidates = [...this.candidates, { lsn: committed, ends }].slice(-1200);
        if (topics.join('\n') !== this.topics.join('\n')) await this.followTopics(topics);
        await this.advanceWatermarks();
      } catch (e) {
        this.log(`tick: ${describe(e)}`);
      }
    }
  }

  /** kafkajs fixes its subscription at start, so new topics (new tables) mean restarting the readers. */
  private async followTopics(topics: string[]): Promise<void> {
    this.topics = topics;
    this.topicsVersion++;
    await this.main?.stop();
    if (this.running) await this.startMain();
  }

  private async advanceWatermarks(): Promise<void> {
    await Promise.all(
      this.sinks
        .filter((s) => s.state !== 'down')
        .map(async (s) => {
          const c = satisfiedCandidate(this.candidates, (tp) => s.positions.get(tp)?.offset ?? null);
          if (!c || c.lsn <= (this.watermarks.get(s) ?? -1n)) return;
          try {
            await s.recordWatermark(c.lsn);
            this.watermarks.set(s, c.lsn);
          } catch {
            // Not recorded (the replica is unreachable, say): leave the watermark unclaimed so the next tick writes it.
          }
        }),
    );
  }
}

/** lsn_commit of the connector's last committed source offset (every transaction up to it is in Kafka). */
const connectorCommittedLsn = (connect: ConnectClient, name: string) => async (): Promise<bigint | undefined> => {
  const r = await connect.request<{ offsets: { offset: { lsn_commit?: number } }[] }>(
    'GET',
    `/connectors/${encodeURIComponent(name)}/offsets`,
  );
  const lsn = r.offsets[0]?.offset?.lsn_commit;
  return lsn === undefined ? undefined : BigInt(lsn);
};
