import type { StatusReport } from '../stack/status.ts';
import type { CommitToVisible } from './latency.ts';

/** One replica at one sample: how far behind it is and how fast it applied since the last sample. */
export interface ReplicaPoint {
  name: string;
  appliedEvents: number | null;
  lagEvents: number | null;
  /**
   * How long after its commit on the leader a change becomes visible on the replica: with changes waiting,
   * the age of the newest one applied (status's lag); with none waiting, the mean commit-to-visible time of
   * the transactions applied since the last sample (the replicator's metric), or 0 when there were none.
   */
  lagMs: number | null;
  appliedPerSec: number | null;
}

/** What the dashboard keeps of one look at the stack to draw its charts. */
export interface Sample {
  at: number;
  /** Records in the change topic (applied plus not yet applied, as the replicas see it), and how fast that grew. */
  logEvents: number | null;
  eventsPerSec: number | null;
  replicas: ReplicaPoint[];
}

/**
 * The samples of the last `windowMs`: status itself has no memory, so the dashboard keeps what it saw to
 * chart lag over time and to turn event counts into rates.
 */
export class History {
  private list: Sample[] = [];
  constructor(readonly windowMs: number) {}

  private latency: CommitToVisible | null = null;

  add(report: StatusReport, at: number, latency: CommitToVisible | null = null): Sample {
    const prev = this.list.at(-1);
    const seconds = prev ? (at - prev.at) / 1000 : 0;
    const rate = (now: number | null, before: number | null | undefined) =>
      seconds > 0 && now !== null && before !== null && before !== undefined ? Math.max(0, now - before) / seconds : null;
    const replicas = report.replication.map((r): ReplicaPoint => {
      const readable = !r.error;
      const appliedEvents = readable ? r.appliedEvents : null;
      const lagEvents = readable ? r.lagEvents : null;
      return {
        name: r.name,
        appliedEvents,
        lagEvents,
        // Status's lagMs is the age of the newest applied change, which keeps growing on an idle stack: it
        // measures lag only while changes wait.
        lagMs: !readable ? null : lagEvents === 0 ? meanMs(this.latency?.get(r.name), latency?.get(r.name)) : r.lagMs,
        appliedPerSec: rate(appliedEvents, prev?.replicas.find((p) => p.name === r.name)?.appliedEvents),
      };
    });
    const totals = replicas.filter((r) => r.lagEvents !== null).map((r) => r.appliedEvents! + r.lagEvents!);
    const logEvents = totals.length ? Math.max(...totals) : null;
    const sample = { at, logEvents, eventsPerSec: rate(logEvents, prev?.logEvents), replicas };
    this.latency = latency;
    this.list.push(sample);
    while (this.list.length && this.list[0].at < at - this.windowMs) this.list.shift();
    return sample;
  }

  samples(): Sample[] {
    return [...this.list];
  }
}

/** Mean commit-to-visible milliseconds between two readings of the totals; 0 when nothing was applied in between. */
function meanMs(before: { sum: number; count: number } | undefined, now: { sum: number; count: number } | undefined): number {
  if (!before || !now || now.count <= before.count) return 0;
  return Math.round(((now.sum - before.sum) / (now.count - before.count)) * 1000);
}
