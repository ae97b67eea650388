import { opKinds, type OpKind } from './workload.ts';

/** Nearest-rank percentile of unsorted samples; 0 when there are none. */
export function percentile(samples: number[], p: number): number {
  if (!samples.length) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface KindStats {
  ok: number;
  rejected: number;
  errors: number;
  latencies: number[];
}

export interface Summary {
  via: string;
  seed: number;
  /** --count, when given; `interrupted` when a signal stopped the run before it was done. */
  planned: number | null;
  interrupted: boolean;
  elapsedSeconds: number;
  achievedRate: number;
  ops: { total: number; ok: number; rejected: number; errors: number };
  byKind: { kind: OpKind; ok: number; rejected: number; errors: number; p50Ms: number; p99Ms: number }[];
  writeLatencyMs: { p50: number; p99: number };
  reads?: { checked: number; fresh: number; stale: number; unavailable: number; p50Ms: number; p99Ms: number };
  firstErrors: string[];
}

/** Counts and latencies as the run goes; `summary()` turns them into the report. */
export class Tally {
  private readonly kinds = new Map<OpKind, KindStats>(opKinds.map((k) => [k, { ok: 0, rejected: 0, errors: 0, latencies: [] }]));
  private readonly readLatencies: number[] = [];
  readonly reads = { checked: 0, fresh: 0, stale: 0, unavailable: 0 };
  readonly firstErrors: string[] = [];
  done = 0;
  errors = 0;

  wrote(kind: OpKind, outcome: 'ok' | 'rejected' | 'errors', ms: number, error?: unknown) {
    const k = this.kinds.get(kind)!;
    k[outcome]++;
    if (outcome === 'ok') k.latencies.push(ms);
    if (outcome === 'errors') this.failed(`${kind}: ${typeof error === 'string' ? error : ((error as Error)?.message ?? String(error))}`);
    this.done++;
  }

  read(outcome: 'fresh' | 'stale' | 'unavailable', ms: number, detail?: string) {
    this.reads.checked++;
    this.reads[outcome]++;
    this.readLatencies.push(ms);
    if (outcome !== 'fresh') this.failed(`read-back ${outcome}: ${detail}`);
  }

  private failed(message: string) {
    this.errors++;
    if (this.firstErrors.length < 5) this.firstErrors.push(message);
  }

  summary(
    via: string,
    seed: number,
    elapsedMs: number,
    checkedReads: boolean,
    run: { planned: number | null; interrupted: boolean } = { planned: null, interrupted: false },
  ): Summary {
    const all = [...this.kinds.values()];
    const sum = (f: (k: KindStats) => number) => all.reduce((n, k) => n + f(k), 0);
    const latencies = all.flatMap((k) => k.latencies);
    return {
      via,
      seed,
      ...run,
      elapsedSeconds: round(elapsedMs / 1000),
      achievedRate: round(this.done / (elapsedMs / 1000)),
      ops: { total: this.done, ok: sum((k) => k.ok), rejected: sum((k) => k.rejected), errors: sum((k) => k.errors) },
      byKind: [...this.kinds]
        .filter(([, k]) => k.ok + k.rejected + k.errors > 0)
        .map(([kind, k]) => ({
          kind,
          ok: k.ok,
          rejected: k.rejected,
          errors: k.errors,
          p50Ms: round(percentile(k.latencies, 50)),
          p99Ms: round(percentile(k.latencies, 99)),
        })),
      writeLatencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
      reads: checkedReads
        ? { ...this.reads, p50Ms: round(percentile(this.readLatencies, 50)), p99Ms: round(percentile(this.readLatencies, 99)) }
        : undefined,
      firstErrors: this.firstErrors,
    };
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
