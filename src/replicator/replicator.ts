import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config, PgEndpoint } from '../config/config.ts';
import { connectClientOf } from '../connect/client.ts';
import { waitUntil } from '../lib/wait.ts';
import type { ApplyContext } from './apply.ts';
import { catchUp, type CatchUpHost } from './catch-up.ts';
import type { Change } from './decode.ts';
import { describe, Fenced, isBug } from './failures.ts';
import { kafkaBroker, type Broker } from './kafka.ts';
import { Lane } from './lanes.ts';
import type { Group } from './membership.ts';
import { sequencer, type Sequencer } from './merge.ts';
import { groupUnits, type Unit } from './order.ts';
import { ReplicaSink, type Sink } from './sink.ts';
import { replicaStats, type ReplicaStats } from './stats.ts';
import { tpKey, transactionTopic } from './topics.ts';
import { connectorCommittedLsn, satisfiedCandidate, type Candidate } from './watermark.ts';

export type { ReplicaStats };

const TICK_MS = 250;
/** Events at most in one replica transaction (whole units always: a bigger transaction is never split). */
const GROUP_EVENTS = 20_000;
/** Records a replica's lane may hold while the fastest lane has room, before the replica gets its own reader. */
const QUEUE_RECORDS = 20_000;

/** What the replicator talks to; the defaults are the real ones, unit tests pass fakes. */
export interface ReplicatorOptions {
  broker: Broker;
  createSink: (endpoint: PgEndpoint) => Sink;
  /** lsn_commit of the connector's last committed source offset (every transaction up to it is in Kafka). */
  committedLsn: () => Promise<bigint | undefined>;
  sleep: (ms: number) => Promise<unknown>;
  /** See QUEUE_RECORDS. */
  queueRecords: number;
  /** This process in the replicators' group and in each claimed replica's cqrsctl.owner. */
  member: string;
}

/**
 * Applies the connector's change events to the replicas this member owns, in the leader's commit order and
 * whole transactions at a time. Several replicators share the work by replica: the group (membership.ts)
 * says which replicas are this member's, and the owner epoch (owner.ts), checked inside every apply
 * transaction, keeps one that lost a replica from applying to it. One main reader decodes the topic once,
 * cuts it into units (order.ts) and groups, and hands each group to every attached replica's lane
 * (lanes.ts), which applies at the replica's own pace: a slow, hung or down replica delays no other. A
 * replica that fails, falls too far behind the fastest lane, or was just gained gets its own catch-up
 * reader (catch-up.ts) from its recorded positions and rejoins the main reader once level with it; a
 * replica whose position does not meet the next group is detached again rather than given a gap.
 */
export class Replicator {
  private readonly broker: Broker;
  readonly sinks: Sink[];
  readonly member: string;
  private readonly committedLsn: () => Promise<bigint | undefined>;
  private readonly sleep: (ms: number) => Promise<unknown>;
  private readonly queueRecords: number;
  private readonly spineTopic: string;
  private sequencer?: Sequencer;
  private readonly lanes = new Map<Sink, Lane>();
  private topics: string[] = [];
  private topicsVersion = 0;
  private main?: { stop(): Promise<void> };
  private group?: Group;
  private assignments: Promise<void> = Promise.resolve();
  /** Last offset the main reader handed to the lanes, per tpKey. */
  private readonly mainLast = new Map<string, bigint>();
  private ends = new Map<string, bigint>();
  private candidates: Candidate[] = [];
  private readonly watermarks = new Map<Sink, bigint>();
  private readonly watermarking = new Set<Sink>();
  /** The replicas (indexes) the group assigns this member, as of its latest assignment. */
  private assigned = new Set<number>();
  private readonly catchingUp = new Set<Sink>();
  private wake = () => {};
  private running = false;
  private ticker?: Promise<void>;
  private crashed?: (e: Error) => void;
  private broken = false;
  /** Changes applied (to at least one replica) since start. */
  events = 0;

  constructor(
    config: Config,
    private readonly log: (line: string) => void,
    options: Partial<ReplicatorOptions> = {},
  ) {
    this.broker = options.broker ?? kafkaBroker(config);
    const createSink = options.createSink ?? ((r: PgEndpoint) => new ReplicaSink(r));
    this.sinks = config.replicas.map((r) => createSink(r));
    this.committedLsn = options.committedLsn ?? connectorCommittedLsn(connectClientOf(config), config.settings.connectorName);
    this.sleep = options.sleep ?? sleep;
    this.queueRecords = options.queueRecords ?? QUEUE_RECORDS;
    this.member = options.member ?? `replicator@${hostname()}/${process.pid}`;
    this.spineTopic = transactionTopic(config);
    for (const s of this.sinks) this.lanes.set(s, new Lane(s, this.laneHooks(s)));
  }

  /** Joins the group, claims the first replicas assigned and starts reading. `done` rejects if the replicator cannot go on. */
  async start(): Promise<{ done: Promise<void> }> {
    this.running = true;
    const done = new Promise<void>(
      (_, reject) =>
        (this.crashed = (e) => {
          this.broken = true;
          reject(e);
        }),
    );
    await this.broker.connect();
    this.topics = await this.broker.changeTopics();
    let first: (owned: number[]) => void = () => {};
    const assigned = new Promise<number[]>((resolve) => (first = resolve));
    let joined = false;
    let latest: number[] = [];
    this.group = await this.broker.joinGroup({
      replicas: this.sinks.length,
      owned: () => this.sinks.flatMap((s, i) => (s.state === 'elsewhere' ? [] : [i])),
      onAssign: (owned) => {
        latest = owned;
        this.assigned = new Set(owned);
        if (!joined) return first(owned);
        this.assignments = this.assignments.then(() => this.assign(owned));
      },
      onHeartbeat: () => this.claimBack(),
      onCrash: (e) => this.crashed?.(e),
    });
    const owned = (await Promise.race([assigned, done])) as number[];
    // The first replicas start with the main reader, from their own positions, rather than a reader each.
    await Promise.all(
      owned.map(async (i) => {
        const s = this.sinks[i];
        if (!s) return;
        s.state = 'catching-up';
        try {
          await s.claim(this.member);
          await s.load();
          s.state = 'attached';
        } catch (e) {
          this.detach(s, describe(e));
        }
      }),
    );
    joined = true;
    if (latest !== owned) this.assignments = this.assignments.then(() => this.assign(latest));
    this.logOwnership();
    await this.startMain();
    this.ticker = this.tickLoop();
    return { done };
  }

  /** Stops after the groups in flight (each replica's transaction either committed or never happened), then leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.main?.stop().catch(() => {});
    await this.ticker;
    await this.assignments;
    for (const lane of this.lanes.values()) lane.clear();
    while (this.catchingUp.size) await this.sleep(100);
    await Promise.all(this.sinks.map((s) => s.settled()));
    await this.group?.stop().catch(() => {});
    await Promise.allSettled([...this.sinks.map((s) => s.close()), this.broker.disconnect()]);
  }

  stats(): ReplicaStats[] {
    return this.sinks.map((s) => replicaStats(s, this.ends));
  }

  /** The replicas this member owns now: gains are claimed and caught up, losses dropped at once. */
  private async assign(owned: number[]): Promise<void> {
    if (!this.running) return;
    const want = new Set(owned.map((i) => this.sinks[i]).filter(Boolean));
    for (const s of this.sinks) {
      if (s.state === 'elsewhere' && want.has(s)) {
        s.epoch = null;
        s.state = 'catching-up';
        this.detach(s, 'gained in a rebalance');
      } else if (s.state !== 'elsewhere' && !want.has(s)) {
        this.release(s, 'given to another replicator in a rebalance');
      }
    }
    this.logOwnership();
  }

  /** Stops applying to a replica another member owns now; an apply in flight commits only if it got the apply lock before the new owner's claim. */
  private release(sink: Sink, why: string): void {
    if (sink.state === 'elsewhere') return;
    sink.state = 'elsewhere';
    sink.epoch = null;
    sink.lastError = undefined;
    this.lanes.get(sink)!.clear();
    this.log(`${sink.name}: released (${why})`);
    this.wake();
  }

  /**
   * A replica released because another member claimed it, while the group still assigns it here: that
   * member held it in an older generation (this one was out of the group for a moment and got it back
   * without noticing the loss), and no one else will apply to it. A heartbeat the group accepted says this
   * member's assignment is current, so it claims the replica again; a member that was expelled gets no
   * heartbeat through and learns its new assignment instead.
   */
  private claimBack(): void {
    if (!this.running) return;
    for (const i of this.assigned) {
      const s = this.sinks[i];
      if (s?.state !== 'elsewhere') continue;
      this.log(`${s.name}: assigned here but claimed by another member before; claiming it again`);
      s.state = 'catching-up';
      this.detach(s, 'claimed back');
    }
  }

  private logOwnership(): void {
    const mine = this.sinks.filter((s) => s.state !== 'elsewhere').map((s) => s.name);
    this.log(`${this.member} owns ${mine.length ? mine.join(', ') : 'no replica'}`);
  }

  private laneHooks(sink: Sink) {
    return {
      ready: async () => {
        while (this.catchingUp.has(sink)) await this.sleep(50);
        await sink.settled();
      },
      failed: (e: unknown) => {
        if (e instanceof Fenced) this.release(sink, e.message);
        else if (isBug(e)) this.crashed?.(e as Error);
        else this.detach(sink, describe(e));
      },
      moved: () => this.wake(),
    };
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

  /**
   * The commit LSN the earliest of the replicas' positions is at: the LSN recorded with the position on the
   * partition that orders the units (the transaction topic's, else the change topic's).
   */
  private lastCommit(sinks: Sink[]): bigint | null {
    const order = tpKey(this.topics.includes(this.spineTopic) ? this.spineTopic : this.topics[0], 0);
    const lsns = sinks.map((s) => s.positions.get(order)?.lsn ?? null);
    if (lsns.length === 0 || lsns.some((l) => l === null)) return null;
    return (lsns as bigint[]).reduce((a, b) => (a < b ? a : b));
  }

  private attached(): Sink[] {
    return this.sinks.filter((s) => s.state === 'attached');
  }

  private async startMain(): Promise<void> {
    const attached = this.attached();
    // Topics just created may be unknown to the broker that answers for a moment (a retriable error).
    const ends = await waitUntil("the change topics' log ends", () => this.broker.logEnds(this.topics), {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    // With no replica to start from, read only what comes: gained replicas catch up on their own readers.
    const start = attached.length ? this.startOffsets(attached) : ends;
    const seq = (this.sequencer = sequencer(this.topics, this.spineTopic, start, ends, this.lastCommit(attached)));
    this.main = await this.broker.startReader({
      name: 'replicator',
      topics: this.topics,
      start,
      onBatch: async (topic, partition, changes, hw, heartbeat) => {
        const tp = tpKey(topic, partition);
        if (hw > (this.ends.get(tp) ?? 0n)) this.ends.set(tp, hw);
        for (const group of groupUnits(this.assemble(seq, changes, hw), GROUP_EVENTS)) {
          const ctx = this.context();
          const records = group.reduce((n, u) => n + u.records.length, 0);
          let counted = false;
          const onApplied = () => {
            if (!counted) this.events += records;
            counted = true;
          };
          // Handing out and recording mainLast happen without yielding, so a replica rejoining in between
          // gets exactly the groups after the position it reached.
          for (const s of this.attached()) this.lanes.get(s)!.push(group, ctx, onApplied);
          for (const u of group) {
            this.mainLast.set(tpKey(u.topic, u.partition), u.last);
            for (const t of u.tails ?? []) this.mainLast.set(tpKey(t.topic, t.partition), t.last);
          }
          await this.room(heartbeat);
        }
      },
      onCrash: (e) => this.crashed?.(e),
    });
  }

  /**
   * Waits until the fastest attached lane has room (the reader keeps pace with the fastest replica, not the
   * slowest), detaching every lane that is over its bound while the fastest is not.
   */
  private async room(heartbeat: () => Promise<void>): Promise<void> {
    while (this.running) {
      const lanes = this.attached().map((s) => this.lanes.get(s)!);
      if (lanes.length === 0) return;
      const fastest = Math.min(...lanes.map((l) => l.records));
      if (fastest <= this.queueRecords) {
        for (const l of lanes)
          if (l.records > this.queueRecords) this.detach(l.sink, `slow: ${l.records} records behind while another replica kept up`);
        return;
      }
      await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), this.sleep(1000)]);
      // Waiting may outlast the reader's session: stay in its group, or the broker hands the records out again.
      await heartbeat().catch(() => {});
    }
  }

  private assemble(seq: Sequencer, changes: Change[], highWatermark?: bigint): Unit[] {
    const units = seq.push(changes, highWatermark);
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

  private detach(sink: Sink, reason: string): void {
    if (sink.state === 'elsewhere') return;
    if (sink.state === 'attached') this.log(`${sink.name}: detached (${reason}); it catches up on its own`);
    sink.state = sink.state === 'attached' ? 'catching-up' : sink.state;
    sink.lastError = reason;
    this.lanes.get(sink)!.clear();
    this.wake();
    if (this.catchingUp.has(sink) || !this.running) return;
    this.catchingUp.add(sink);
    void catchUp(this.catchUpHost(), sink).finally(() => {
      this.catchingUp.delete(sink);
      // Released and gained again while its last reader was ending: it needs a new one.
      if (this.running && !this.broken && (sink.state === 'catching-up' || sink.state === 'down')) this.detach(sink, 'gained again');
    });
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

  private catchUpHost(): CatchUpHost {
    return {
      broker: this.broker,
      member: this.member,
      groupEvents: GROUP_EVENTS,
      running: () => this.running,
      topics: () => ({ list: this.topics, version: this.topicsVersion }),
      startOffsets: (s) => this.startOffsets([s]),
      sequencer: (list, sink, start) => sequencer(list, this.spineTopic, start, this.ends, this.lastCommit([sink])),
      assemble: (seq, changes, hw) => this.assemble(seq, changes, hw),
      context: () => this.context(),
      rejoin: (s) => {
        if (!this.caughtUp(s)) return false;
        s.state = 'attached';
        this.log(`${s.name}: caught up, back with the main reader`);
        return true;
      },
      release: (s, why) => this.release(s, why.message),
      crash: (e) => this.crashed?.(e),
      log: this.log,
      sleep: this.sleep,
    };
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
        this.sequencer?.sawEnds?.(ends);
        if (committed !== undefined) this.candidates = [...this.candidates, { lsn: committed, ends }].slice(-1200);
        if (topics.join('\n') !== this.topics.join('\n')) await this.followTopics(topics);
        this.advanceWatermarks();
      } catch (e) {
        this.log(`tick: ${describe(e)}`);
      }
    }
  }

  /** kafkajs fixes its subscription at start, so new topics (new tables) mean restarting the readers. */
  private async followTopics(topics: string[]): Promise<void> {
    this.topics = topics;
    this.topicsVersion++;
    this.wake();
    await this.main?.stop();
    if (this.running) await this.startMain();
  }

  /** Each owned replica's watermark on its own: a hung replica's write waits alone, not the tick. */
  private advanceWatermarks(): void {
    for (const s of this.sinks) {
      if (s.state === 'down' || s.state === 'elsewhere' || this.watermarking.has(s)) continue;
      const c = satisfiedCandidate(this.candidates, (tp) => s.positions.get(tp)?.offset ?? null);
      if (!c || c.lsn <= (this.watermarks.get(s) ?? -1n)) continue;
      this.watermarking.add(s);
      const write = s.recordWatermark(c.lsn).then(
        () => void this.watermarks.set(s, c.lsn),
        // Not recorded (unreachable, say): the next tick writes it.
        (e) => void (e instanceof Fenced && this.release(s, e.message)),
      );
      s.track(write.finally(() => this.watermarking.delete(s)));
    }
  }
}
