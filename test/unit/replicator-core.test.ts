import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as realSleep } from 'node:timers/promises';
import type { PgEndpoint } from '../../src/config/config.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Change } from '../../src/replicator/decode.ts';
import { assignReplicas } from '../../src/replicator/assign.ts';
import { Fenced, PositionMismatch } from '../../src/replicator/failures.ts';
import type { Broker } from '../../src/replicator/kafka.ts';
import type { GroupOptions } from '../../src/replicator/membership.ts';
import type { Unit } from '../../src/replicator/order.ts';
import type { Position } from '../../src/replicator/progress-schema.ts';
import type { ReaderOptions } from '../../src/replicator/reader.ts';
import { Replicator } from '../../src/replicator/replicator.ts';
import { EMPTY_SNAPSHOT } from '../../src/replicator/schema/diff.ts';
import type { Rejection, Sink, SinkState } from '../../src/replicator/sink.ts';
import type { Plan, SchemaState } from '../../src/replicator/steps.ts';
import { changeTopic, tpKey } from '../../src/replicator/topics.ts';

// The Replicator against a fake broker (one change topic of one partition, held in memory, and the
// replicators' group, assigning like the real assigner) and fake replicas (a recorded position, an owner
// epoch and the offsets committed, checked like ReplicaSink's transaction does). Several replicators may
// share one fake broker and the fake replicas' databases.

const config = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'cqrsctl-replicator-core-')) });
const TOPIC = changeTopic(config);
const TP = tpKey(TOPIC, 0);
/** Records a fake reader hands over at most per batch, so transactions also span batches. */
const BATCH = 3;

const unreachable = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function until(what: string, ok: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await realSleep(2);
  }
}

class FakeBroker implements Broker {
  readonly log: Change[] = [];
  /** Every reader started: its name and the offset it was told to start at (undefined: the earliest). */
  readonly started: { name: string; start: bigint | undefined }[] = [];
  readonly running = new Set<string>();
  readonly deadLetters = { send: async () => {} };
  private txs = 0;
  /** The replicators' group: each member's options, in join order. */
  readonly members = new Map<string, Omit<GroupOptions, 'topic' | 'groupId'>>();
  private lastMember = 0;

  async joinGroup(o: Omit<GroupOptions, 'topic' | 'groupId'>) {
    const id = `member-${++this.lastMember}`;
    this.members.set(id, o);
    this.rebalance();
    return {
      stop: async () => {
        this.members.delete(id);
        this.rebalance();
      },
    };
  }

  /** Removes a member as the coordinator does when its session times out; the member itself is not told. */
  expel(o: Omit<GroupOptions, 'topic' | 'groupId'>) {
    for (const [id, m] of this.members) if (m === o) this.members.delete(id);
    this.rebalance();
  }

  /** Every member gets its new share, as after a join: sticky, like the real assigner. */
  private rebalance() {
    const plan = assignReplicas(
      [...this.members].map(([id, m]) => ({ id, owned: m.owned() })),
      Math.max(0, ...[...this.members.values()].map((m) => m.replicas)),
    );
    for (const [id, m] of this.members) setImmediate(() => m.onAssign(plan.get(id) ?? []));
  }

  async connect() {}
  async disconnect() {}
  async changeTopics() {
    return [TOPIC];
  }
  async logEnds(topics: string[]) {
    return new Map(topics.map((t) => [tpKey(t, 0), BigInt(this.log.length)]));
  }

  /** Appends one leader transaction: BEGIN, `events` changes, END. Returns its last offset. */
  commit(events = 2): bigint {
    const txId = String(++this.txs);
    const at = () => ({ topic: TOPIC, partition: 0, offset: BigInt(this.log.length), key: null, rawValue: '{}' });
    this.log.push({ ...at(), boundary: { status: 'BEGIN', txId, eventCount: null } });
    for (let i = 0; i < events; i++) {
      this.log.push({
        ...at(),
        event: {
          op: 'c',
          schema: 'cqrsctl',
          table: 'heartbeat',
          before: null,
          after: { id: 1 },
          lsn: BigInt(this.txs * 100 + i),
          tsMs: 1,
          txId,
          snapshotLast: false,
          txOrder: null,
          prevCommit: null,
        },
      });
    }
    this.log.push({ ...at(), boundary: { status: 'END', txId, eventCount: events } });
    return BigInt(this.log.length - 1);
  }

  /** Like startReader: batches in offset order from `start`, the next one only once the last was handled; stop waits for the batch in flight. */
  async startReader(o: ReaderOptions) {
    let next = o.start.get(TP);
    this.started.push({ name: o.name, start: next });
    this.running.add(o.name);
    let stopped = false;
    const loop = (async () => {
      let at = Number(next ?? 0n);
      while (!stopped) {
        if (!o.topics.includes(TOPIC) || at >= this.log.length) {
          await realSleep(1);
          continue;
        }
        const batch = this.log.slice(at, at + BATCH);
        at += batch.length;
        await o.onBatch(TOPIC, 0, batch, BigInt(this.log.length), async () => {});
      }
    })().catch((e: Error) => o.onCrash(e));
    return {
      stop: async () => {
        stopped = true;
        await loop;
        this.running.delete(o.name);
      },
    };
  }
}

/** A fake replica's database, shared by every replicator's sink for it. */
class FakeDb {
  /** Its recorded position and every offset committed, in commit order. */
  recorded: bigint | null = null;
  readonly committed: bigint[] = [];
  owner: { epoch: bigint; member: string } | null = null;
  /** Watermarks written, with the position the replica had recorded at the time. */
  readonly watermarks: { lsn: bigint; at: bigint | null }[] = [];
  /** What happened, in order: `applied a..b`, `closed`. */
  readonly history: string[] = [];
  /** Unreachable: claim, load, apply and the watermark write fail. */
  down = false;
  /** Watermark writes still to fail. */
  failWatermarks = 0;
  /** Runs inside each apply transaction before it commits: may throw (the apply fails) or wait (a slow replica). */
  beforeApply?: (units: Unit[]) => Promise<void> | void;
  /** The apply lock: one transaction at a time. */
  lock: Promise<unknown> = Promise.resolve();

  /** Runs `work` as a transaction under the apply lock. */
  tx<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.catch(() => {});
    return run;
  }
}

class FakeSink implements Sink {
  state: SinkState = 'elsewhere';
  lastError?: string;
  epoch: bigint | null = null;
  readonly positions = new Map<string, Position>();
  schema: SchemaState = { changeId: 0, snapshot: EMPTY_SNAPSHOT };
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    readonly endpoint: PgEndpoint,
    readonly db: FakeDb,
  ) {}

  get name() {
    return this.endpoint.name;
  }
  get recorded() {
    return this.db.recorded;
  }
  set recorded(v) {
    this.db.recorded = v;
  }
  get committed() {
    return this.db.committed;
  }
  get history() {
    return this.db.history;
  }
  get watermarks() {
    return this.db.watermarks;
  }
  set down(v: boolean) {
    this.db.down = v;
  }
  set failWatermarks(v: number) {
    this.db.failWatermarks = v;
  }
  set beforeApply(v: FakeDb['beforeApply']) {
    this.db.beforeApply = v;
  }

  async claim(member: string) {
    if (this.db.down) throw unreachable();
    this.epoch = await this.db.tx(async () => {
      this.db.owner = { epoch: (this.db.owner?.epoch ?? 0n) + 1n, member };
      return this.db.owner.epoch;
    });
  }

  async load() {
    if (this.db.down) throw unreachable();
    this.positions.clear();
    if (this.db.recorded !== null) this.positions.set(TP, { offset: this.db.recorded, lsn: null, tsMs: null });
  }

  applied(topic: string, partition: number) {
    return this.positions.get(tpKey(topic, partition))?.offset ?? null;
  }

  /** Refuses, as ReplicaSink does, a batch of a replicator that lost the replica or that does not start at the recorded position. */
  async apply(units: Unit[], plan: Plan): Promise<Rejection[]> {
    const known = this.applied(TOPIC, 0);
    const last = units[units.length - 1].last;
    await this.db.tx(async () => {
      if (this.db.down) throw unreachable();
      await this.db.beforeApply?.(units);
      if (this.db.owner?.epoch !== this.epoch) throw new Fenced(this.name, this.db.owner);
      const want = known === null ? null : units[0].first - 1n;
      if (this.db.recorded !== want) throw new PositionMismatch(this.db.recorded, want);
      for (const u of units) for (const r of u.records) this.db.committed.push(r.offset);
      this.db.recorded = last;
      this.db.history.push(`applied ${units[0].first}..${last}`);
    });
    this.positions.set(TP, { offset: last, lsn: null, tsMs: null });
    return plan.rejected;
  }

  async recordWatermark(lsn: bigint) {
    await this.db.tx(async () => {
      if (this.db.down) throw unreachable();
      if (this.db.failWatermarks > 0) {
        this.db.failWatermarks--;
        throw unreachable();
      }
      if (this.db.owner?.epoch !== this.epoch) throw new Fenced(this.name, this.db.owner);
      this.db.watermarks.push({ lsn, at: this.db.recorded });
    });
  }

  track(p: Promise<unknown>) {
    const settled = p.catch(() => {}).finally(() => this.inflight.delete(settled));
    this.inflight.add(settled);
  }

  async settled() {
    await Promise.all([...this.inflight]);
  }

  async close() {
    this.db.history.push('closed');
  }
}

/** A replicator over fakes; its sleeps run ten times faster (a 250 ms poll takes 25 ms). */
function harness(queueRecords = 20_000) {
  const broker = new FakeBroker();
  const sinks = new Map<string, FakeSink>();
  const dbs = new Map<string, FakeDb>();
  const lines: string[] = [];
  const clock = { committed: undefined as bigint | undefined };
  /** Another replicator on the same broker and replicas (a member of the same group). */
  const member = (name: string, into: string[] = lines, own?: Map<string, FakeSink>) =>
    new Replicator(config, (line) => into.push(line), {
      broker,
      member: name,
      createSink: (e) => {
        if (!dbs.has(e.name)) dbs.set(e.name, new FakeDb());
        const s = new FakeSink(e, dbs.get(e.name)!);
        own?.set(e.name, s);
        return s;
      },
      committedLsn: async () => clock.committed,
      sleep: (ms) => realSleep(ms / 10),
      queueRecords,
    });
  const replicator = member('replicator-a', lines, sinks);
  const sink = (name: string) => sinks.get(name)!;
  /** Waits until the main reader has handed every record in the log to the attached replicas. */
  const handedOut = () => until('the main reader to hand out the log', () => replicator.events === broker.log.length);
  return { broker, sinks, dbs, sink, lines, clock, replicator, member, handedOut };
}
type Harness = ReturnType<typeof harness>;

const everyOffset = (h: Harness) => h.broker.log.map((r) => r.offset);
const detachedNames = (h: Harness) => [...new Set(h.lines.flatMap((l) => /^(\S+): detached/.exec(l)?.[1] ?? []))].sort();

/** A replica that applied the log through `last` before the replicator started. */
function seed(s: FakeSink, last: bigint) {
  s.recorded = last;
  for (let o = 0n; o <= last; o++) s.committed.push(o);
}

interface Scenario {
  name: string;
  queueRecords?: number;
  /** Runs before start: a log the replicas already hold part of. */
  before?(h: Harness): void;
  /** Runs after the first transaction reached every replica: faults, more transactions, checks on the way. */
  during(h: Harness): Promise<void>;
  detached: string[];
  /** Lines the replicator must have logged. */
  logged?: RegExp[];
}

const scenarios: Scenario[] = [
  {
    name: 'every group reaches every attached replica, in order',
    async during(h) {
      for (let i = 0; i < 3; i++) {
        h.broker.commit(i + 1);
        await h.handedOut();
      }
    },
    detached: [],
  },
  {
    name: 'replicas at different positions each get only what they lack',
    before(h) {
      h.broker.commit();
      const second = h.broker.commit();
      seed(h.sink('replica-1'), second);
      seed(h.sink('replica-2'), 3n);
    },
    async during(h) {
      assert.deepEqual(
        h.broker.started.map((r) => [r.name, r.start]),
        [['replicator', undefined]],
        'replica-3 has nothing: the main reader starts at the earliest',
      );
    },
    detached: [],
  },
  {
    name: 'a replica whose apply fails is detached, catches up from its own position and is re-attached',
    async during(h) {
      const failing = h.sink('replica-2');
      let failed = false;
      failing.beforeApply = () => {
        if (!failed) {
          failed = true;
          throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        }
      };
      h.broker.commit();
      await h.handedOut();
      h.broker.commit();
      await h.handedOut();
      // The catch-up reader starts right after what the replica recorded: the end of the first transaction.
      await until('the catch-up reader', () => h.broker.started.some((r) => r.name === 'catch-up-replica-2'));
      assert.equal(h.broker.started.find((r) => r.name === 'catch-up-replica-2')?.start, 4n);
    },
    detached: ['replica-2'],
    logged: [/^replica-2: detached \(ECONNRESET: connection reset\)/, /^replica-2: caught up, back with the main reader/],
  },
  {
    name: 'a replica that is down catches up once it answers again',
    async during(h) {
      const down = h.sink('replica-3');
      down.down = true;
      h.broker.commit();
      h.broker.commit();
      await h.handedOut();
      await until('replica-3 marked down', () => down.state === 'down');
      assert.deepEqual(h.sink('replica-1').committed, everyOffset(h));
      down.down = false;
    },
    detached: ['replica-3'],
    logged: [/^replica-3: reachable again, catching up/, /^replica-3: caught up/],
  },
  {
    name: 'a replica that falls too far behind the fastest is handed to its own reader while the others go on',
    queueRecords: 5,
    async during(h) {
      const slow = h.sink('replica-1');
      const gate = deferred();
      slow.beforeApply = () => {
        slow.beforeApply = undefined;
        return gate.promise;
      };
      try {
        h.broker.commit();
        await h.handedOut();
        h.broker.commit();
        await h.handedOut();
        await until('replica-1 detached', () => slow.state === 'catching-up');
        // The others have both transactions while the slow one still holds its first.
        for (const name of ['replica-2', 'replica-3']) assert.deepEqual(h.sink(name).committed, everyOffset(h), name);
        assert.deepEqual(slow.committed, everyOffset(h).slice(0, 4));
        assert.equal(slow.state, 'catching-up');
      } finally {
        gate.resolve();
      }
    },
    detached: ['replica-1'],
    logged: [/^replica-1: detached \(slow: 8 records behind while another replica kept up\)/, /^replica-1: caught up/],
  },
];

for (const sc of scenarios) {
  test(sc.name, async () => {
    const h = harness(sc.queueRecords);
    sc.before?.(h);
    await h.replicator.start();
    try {
      h.broker.commit();
      await h.handedOut();
      await sc.during(h);
      // A last transaction goes through the main reader to every replica, so each one is attached again.
      await until('every replica attached', () => [...h.sinks.values()].every((s) => s.state === 'attached'));
      await until('catch-up readers stopped', () => [...h.broker.running].every((n) => n === 'replicator'));
      h.broker.commit();
      await h.handedOut();
      for (const s of h.sinks.values()) {
        await until(`${s.name} to have the log`, () => s.committed.length >= h.broker.log.length);
        // Every offset once, in order: no gap, nothing applied twice.
        assert.deepEqual(s.committed, everyOffset(h), s.name);
        assert.equal(s.state, 'attached', s.name);
      }
      assert.deepEqual(detachedNames(h), sc.detached);
      for (const re of sc.logged ?? [])
        assert.ok(
          h.lines.some((l) => re.test(l)),
          `logged ${re}; got ${JSON.stringify(h.lines)}`,
        );
    } finally {
      await h.replicator.stop();
    }
  });
}

test('every replica gets the same groups, whole transactions each', async () => {
  const h = harness();
  await h.replicator.start();
  try {
    for (const n of [1, 4, 2]) {
      h.broker.commit(n);
      await h.handedOut();
    }
    const groups = h.sink('replica-1').history;
    assert.deepEqual(groups, ['applied 0..2', 'applied 3..8', 'applied 9..12']);
    for (const s of h.sinks.values()) assert.deepEqual(s.history, groups, s.name);
  } finally {
    await h.replicator.stop();
  }
});

test('stop waits for the group in flight, then closes the replicas', async () => {
  const h = harness();
  await h.replicator.start();
  h.broker.commit();
  await h.handedOut();
  const slow = h.sink('replica-2');
  const gate = deferred();
  let entered = false;
  slow.beforeApply = () => {
    entered = true;
    return gate.promise;
  };
  const last = h.broker.commit();
  await until('the apply in flight', () => entered);
  let stopped = false;
  const stopping = h.replicator.stop().then(() => (stopped = true));
  await realSleep(100);
  assert.equal(stopped, false, 'stop returned with a transaction in flight');
  assert.ok(!slow.history.includes('closed'));
  gate.resolve();
  await stopping;
  assert.equal(slow.recorded, last);
  assert.deepEqual(slow.history, ['applied 0..3', 'applied 4..7', 'closed']);
  for (const s of h.sinks.values()) assert.equal(s.history.at(-1), 'closed', s.name);
});

test('the watermark advances per replica only once it has applied through the sampled log end, and a failed write is retried', async () => {
  const h = harness();
  const normal = h.sink('replica-1');
  const gated = h.sink('replica-2');
  const failing = h.sink('replica-3');
  failing.failWatermarks = 1;
  await h.replicator.start();
  try {
    // The connector's committed LSN is read first, the log end after it; a transaction in the log is covered by an LSN only once it is committed.
    const firstEnd = h.broker.commit();
    h.clock.committed = 10n;
    await until('every replica at watermark 10', () => [...h.sinks.values()].every((s) => s.watermarks.some((w) => w.lsn === 10n)), 2_000);
    const gate = deferred();
    gated.beforeApply = () => gate.promise;
    const secondEnd = h.broker.commit();
    h.clock.committed = 20n;
    try {
      await until('replica-1 at watermark 20', () => normal.watermarks.some((w) => w.lsn === 20n));
      await realSleep(100); // a few ticks
      assert.deepEqual(
        gated.watermarks.map((w) => w.lsn),
        [10n],
        'replica-2 has not applied the second transaction',
      );
    } finally {
      gate.resolve();
    }
    await until('replica-2 at watermark 20', () => gated.watermarks.some((w) => w.lsn === 20n));
    await until('replica-3 at watermark 20', () => failing.watermarks.some((w) => w.lsn === 20n));
    const through = new Map([
      [10n, firstEnd],
      [20n, secondEnd],
    ]);
    for (const s of h.sinks.values()) {
      assert.deepEqual(
        s.watermarks.map((w) => w.lsn),
        [10n, 20n],
        s.name,
      );
      for (const w of s.watermarks)
        assert.ok(w.at !== null && w.at >= through.get(w.lsn)!, `${s.name}: watermark ${w.lsn} recorded at offset ${w.at}`);
    }
  } finally {
    await h.replicator.stop();
  }
});

test('a bug (not a database or broker failure) stops the replicator instead of being retried forever', async () => {
  const h = harness();
  const { done } = await h.replicator.start();
  try {
    h.broker.commit();
    await h.handedOut();
    let applies = 0;
    h.sink('replica-2').beforeApply = () => {
      applies++;
      throw new TypeError("Cannot read properties of undefined (reading 'columns')");
    };
    h.broker.commit();
    await assert.rejects(
      Promise.race([done, realSleep(5_000).then(() => 'still running')]),
      (e: Error) => e instanceof TypeError && /reading 'columns'/.test(e.message),
    );
    assert.equal(applies, 1, 'the failing apply was not retried');
    assert.deepEqual(detachedNames(h), []);
  } finally {
    await h.replicator.stop();
  }
});

test('a replica that never answers costs the others no lag: each applies at its own pace', async () => {
  const h = harness();
  await h.replicator.start();
  const hung = deferred();
  try {
    h.broker.commit();
    await h.handedOut();
    // Like SIGSTOP: the transaction is sent and never answered.
    h.sink('replica-3').beforeApply = () => hung.promise;
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const last = h.broker.commit();
      const at = Date.now();
      await until('replica-1 and replica-2 to have the transaction', () =>
        ['replica-1', 'replica-2'].every((n) => h.sink(n).recorded === last),
      );
      delays.push(Date.now() - at);
      await realSleep(20);
    }
    assert.ok(Math.max(...delays) < 1_000, `the healthy replicas waited ${Math.max(...delays)} ms at most (${delays.join(', ')})`);
    assert.equal(h.sink('replica-3').recorded, 3n, 'the hung replica is still in its first transaction after the seed');
  } finally {
    hung.resolve();
    await h.replicator.stop();
  }
});

/** After a first commit, `member` claims replica-2 (a new epoch) and the next apply to it is refused: replica-2 is released. */
async function claimedElsewhere(h: ReturnType<typeof harness>, member: string) {
  h.broker.commit();
  await h.handedOut();
  const taken = h.sink('replica-2');
  taken.db.owner = { epoch: taken.db.owner!.epoch + 1n, member };
  const before = [...taken.committed];
  h.broker.commit();
  await h.handedOut();
  await until('replica-2 released', () => taken.state === 'elsewhere');
  return { taken, before };
}

test('an apply after another replicator claimed the replica fails Fenced: the replica is dropped, not detached or retried', async () => {
  const h = harness();
  await h.replicator.start();
  try {
    // Another member claims it (as after a rebalance this one has not heard of yet).
    const { taken, before } = await claimedElsewhere(h, 'replicator-b');
    h.broker.commit();
    await h.handedOut();
    for (const n of ['replica-1', 'replica-3'])
      await until(`${n} to have the log`, () => h.sink(n).committed.length === h.broker.log.length);
    assert.deepEqual(taken.committed, before, 'nothing was applied to replica-2 after the claim');
    assert.equal(taken.epoch, null);
    assert.ok(
      h.lines.some((l) => /^replica-2: released \(replica-2 is owned by replicator-b \(epoch 2\) now\)/.test(l)),
      JSON.stringify(h.lines),
    );
    assert.deepEqual(detachedNames(h), []);
    assert.ok(!h.broker.started.some((r) => r.name === 'catch-up-replica-2'), 'no catch-up reader for a replica it lost');
  } finally {
    await h.replicator.stop();
  }
});

test('a replica released to a stale claim is claimed back once the group accepts a heartbeat and still assigns it here', async () => {
  const h = harness();
  await h.replicator.start();
  try {
    // A member that held replica-2 in an older generation claims it; the group assigns it here all the same.
    const { taken } = await claimedElsewhere(h, 'replicator-old');
    h.broker.members.get('member-1')!.onHeartbeat?.();
    h.broker.commit();
    await until(
      'replica-2 to have the log again',
      () => taken.db.owner?.member !== 'replicator-old' && taken.committed.length === h.broker.log.length,
    );
    assert.deepEqual(taken.committed, everyOffset(h), 'every offset once, in order');
    assert.ok(
      h.lines.some((l) => /^replica-2: assigned here but claimed by another member before; claiming it again$/.test(l)),
      JSON.stringify(h.lines),
    );
  } finally {
    await h.replicator.stop();
  }
});

test('two replicators share the replicas; when one is expelled the other claims its replicas and the expelled one is fenced', async () => {
  const h = harness();
  const bLines: string[] = [];
  const bSinks = new Map<string, FakeSink>();
  const b = h.member('replicator-b', bLines, bSinks);
  const owners = () => [...h.dbs].map(([name, db]) => `${name} ${db.owner?.member}`).sort();
  const everyReplicaHasTheLog = () =>
    until('every replica to have the log', () => [...h.dbs.values()].every((db) => db.committed.length === h.broker.log.length));
  await h.replicator.start();
  try {
    h.broker.commit();
    await everyReplicaHasTheLog();
    assert.deepEqual(owners(), ['replica-1 replicator-a', 'replica-2 replicator-a', 'replica-3 replicator-a']);
    await b.start();
    // Sticky: a keeps two of its three, b takes one; nothing else moves.
    await until('b to own one replica', () => [...h.dbs.values()].filter((db) => db.owner?.member === 'replicator-b').length === 1);
    for (let i = 0; i < 5; i++) h.broker.commit(i + 1);
    await everyReplicaHasTheLog();
    const aOwns = [...h.dbs].filter(([, db]) => db.owner?.member === 'replicator-a').map(([n]) => n);
    assert.equal(aOwns.length, 2);
    for (const [name, s] of h.sinks) assert.equal(s.state === 'elsewhere', !aOwns.includes(name), `a: ${name} ${s.state}`);

    // a stops answering the group (killed, or paused past its session) but still runs: b claims everything.
    const aMembership = h.broker.members.get('member-1')!;
    h.broker.expel(aMembership);
    await until('b to own every replica', () => [...h.dbs.values()].every((db) => db.owner?.member === 'replicator-b'));
    for (let i = 0; i < 5; i++) h.broker.commit(2);
    await everyReplicaHasTheLog();
    // a has not heard of the rebalance: its applies to what it held are refused, and it drops those replicas.
    await until('a to drop every replica', () => [...h.sinks.values()].every((s) => s.state === 'elsewhere'));
    for (const [name, db] of h.dbs) assert.deepEqual(db.committed, everyOffset(h), `${name}: every offset once, in order`);
    assert.ok(h.lines.filter((l) => /released \(replica-\d is owned by replicator-b/.test(l)).length === 2, JSON.stringify(h.lines));
    assert.ok(
      bLines.some((l) => /^replicator-b owns replica-1, replica-2, replica-3$/.test(l)),
      JSON.stringify(bLines),
    );
  } finally {
    await b.stop();
    await h.replicator.stop();
  }
});

test('the assignment is balanced and sticky', () => {
  const plan = (members: [string, number[]][], partitions: number) =>
    Object.fromEntries(
      assignReplicas(
        members.map(([id, owned]) => ({ id, owned })),
        partitions,
      ),
    );
  assert.deepEqual(plan([['a', []]], 3), { a: [0, 1, 2] });
  // A joining member takes one replica from the one that had all; the rest stay.
  assert.deepEqual(
    plan(
      [
        ['a', [0, 1, 2]],
        ['b', []],
      ],
      3,
    ),
    { a: [0, 1], b: [2] },
  );
  // A member gone: the survivor keeps its own and takes the rest.
  assert.deepEqual(plan([['b', [2]]], 3), { b: [0, 1, 2] });
  // Counts differ by one at most; every partition once.
  const five = plan(
    [
      ['a', [0, 1, 2]],
      ['b', [3, 4]],
      ['c', []],
      ['d', []],
    ],
    5,
  );
  assert.deepEqual(
    Object.values(five)
      .map((p) => p.length)
      .sort(),
    [1, 1, 1, 2],
  );
  assert.deepEqual(Object.values(five).flat().sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(five.b, [3]);
  // Two claims on one replica (a stale member): it goes to one of them only.
  const twice = plan(
    [
      ['a', [0]],
      ['b', [0, 1]],
    ],
    2,
  );
  assert.deepEqual(Object.values(twice).flat().sort(), [0, 1]);
});
