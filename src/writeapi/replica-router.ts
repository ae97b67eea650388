import type postgres from 'postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import { appliedThrough } from './replica-position.ts';

export interface Replica {
  name: string;
  sql: postgres.Sql;
}

interface Waiter {
  token: bigint;
  resolve: (replicas: Replica[]) => void;
}

/**
 * Chooses the replica a read goes to. Reads spread round robin; a read that carries a consistency token
 * goes only to a replica whose applied position has reached it. Positions are polled only while some read
 * waits, one loop per replica so that a replica that is down does not slow the others, and a position is
 * remembered because it only ever grows.
 */
export class ReplicaRouter {
  private readonly known: bigint[];
  private readonly waiters = new Set<Waiter>();
  private readonly polling = new Set<number>();
  private next = 0;

  constructor(
    readonly replicas: Replica[],
    private readonly pollMs = 20,
    private readonly position: (sql: postgres.Sql) => Promise<bigint> = appliedThrough,
  ) {
    this.known = replicas.map(() => 0n);
  }

  /** Every replica, starting from the next one in turn. */
  rotation(): Replica[] {
    const start = this.next++ % this.replicas.length;
    return [...this.replicas.slice(start), ...this.replicas.slice(0, start)];
  }

  /** The replicas that have applied `token`, in rotation order; empty when none got there within `timeoutMs`. */
  async caughtUp(token: bigint, timeoutMs: number): Promise<Replica[]> {
    const ready = this.readyFor(token);
    if (ready.length) return ready;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        token,
        resolve: (replicas) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(replicas);
        },
      };
      const timer = setTimeout(() => waiter.resolve([]), timeoutMs);
      this.waiters.add(waiter);
      this.replicas.forEach((_, i) => void this.poll(i));
    });
  }

  /**
   * Reads every replica's position now. One that does not answer keeps its last known position and is
   * reported with the error that says why.
   */
  async refresh(): Promise<{ name: string; appliedThrough: bigint; error?: string }[]> {
    const errors = await Promise.all(
      this.replicas.map(async (r, i) => {
        try {
          const at = await this.position(r.sql);
          if (at > this.known[i]) this.known[i] = at;
          return undefined;
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
      }),
    );
    return this.positions().map((p, i) => (errors[i] === undefined ? p : { ...p, error: errors[i] }));
  }

  /** The last position read from each replica (0 until first asked). */
  positions(): { name: string; appliedThrough: bigint }[] {
    return this.replicas.map((r, i) => ({ name: r.name, appliedThrough: this.known[i] }));
  }

  private readyFor(token: bigint): Replica[] {
    const ready = this.replicas.filter((_, i) => this.known[i] >= token);
    if (!ready.length) return ready;
    const start = this.next++ % ready.length;
    return [...ready.slice(start), ...ready.slice(0, start)];
  }

  private async poll(i: number): Promise<void> {
    if (this.polling.has(i)) return;
    this.polling.add(i);
    try {
      while (this.waiters.size > 0) {
        try {
          const at = await this.position(this.replicas[i].sql);
          if (at > this.known[i]) this.known[i] = at;
          for (const w of this.waiters) {
            const ready = this.readyFor(w.token);
            if (ready.length) w.resolve(ready);
          }
          await sleep(this.pollMs);
        } catch {
          // Unreachable for now: the other replicas keep serving; look again later.
          await sleep(250);
        }
      }
    } finally {
      this.polling.delete(i);
    }
  }
}
