import type { DeadLetters } from './dlq.ts';
import { isRefusal } from './failures.ts';
import { observeApplied } from './metrics.ts';
import type { Unit } from './order.ts';
import type { Sink } from './sink.ts';
import { planGroup, type Plan } from './steps.ts';

export interface ApplyContext {
  deadLetters: Pick<DeadLetters, 'send'>;
  /** Plans already made for the same units and schema (another replica at the same position). */
  plans: Map<string, Plan>;
  log: (line: string) => void;
}

/**
 * Applies a group of whole units to one replica in one transaction: the fast plan first (changes collapsed
 * per key); if the replica refuses it for a reason retrying cannot fix, the exact plan (every change in
 * the leader's order) in careful mode, where only what still fails is rejected — to the dead-letter topic
 * and cqrsctl.dead_letters, with the reason — and everything else applies. Transient failures, position
 * mismatches and bugs are thrown for the caller to retry or stop on.
 */
export async function applyGroup(sink: Sink, units: Unit[], ctx: ApplyContext): Promise<void> {
  if (units.length === 0) return;
  const started = performance.now();
  let rejected;
  try {
    rejected = await sink.apply(units, plan(sink, units, ctx, false), false);
  } catch (e) {
    if (!isRefusal(e)) throw e;
    rejected = await sink.apply(units, plan(sink, units, ctx, true), true);
  }
  observeApplied(sink.name, units, rejected, (performance.now() - started) / 1000);
  for (const r of rejected) {
    ctx.log(
      `${sink.name}: dead letter (offset ${r.change.offset}${r.change.event ? `, ${r.change.event.schema}.${r.change.event.table}` : ''}): ${r.reason}`,
    );
    await ctx.deadLetters.send(r.change, sink.name, r.reason);
  }
}

function plan(sink: Sink, units: Unit[], ctx: ApplyContext, exact: boolean): Plan {
  const key = `${units[0].first}:${units[units.length - 1].last}:${sink.schema.changeId}:${exact}`;
  let p = ctx.plans.get(key);
  if (!p) ctx.plans.set(key, (p = planGroup(units, sink.schema, exact)));
  return p;
}
