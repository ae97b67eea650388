import { fromBoundary } from '../lib/boundary.ts';

/**
 * PostgreSQL refused the statement for a reason retrying cannot fix (a constraint, a type, a value): the
 * data's fault, so the careful path applies what it can and dead-letters the rest. Connection trouble,
 * rollbacks for serialization and shutdowns are retriable instead (src/lib/boundary.ts decides).
 */
export function isRefusal(e: unknown): boolean {
  const known = fromBoundary(e);
  return known !== undefined && !known.retriable;
}

/**
 * Neither the environment (a database or broker away, a refusal) nor a replica's position moving under
 * the replicator: a bug in cqrsctl, which retrying would only repeat forever, so the replicator stops.
 */
export const isBug = (e: unknown): boolean =>
  !(e instanceof PositionMismatch || e instanceof Gap || e instanceof Fenced || fromBoundary(e));

/** The replica's recorded position is not where this batch starts: someone else applied, or there is a gap. */
export class PositionMismatch extends Error {
  constructor(
    readonly recorded: bigint | null,
    readonly expected: bigint | null,
  ) {
    super(`replica is at offset ${recorded ?? 'none'}, batch expects ${expected ?? 'none'}`);
  }
}

/**
 * Another replicator claimed the replica (its owner epoch moved, see owner.ts): this one lost it in a
 * rebalance and must stop applying to it. Not a failure of the replica, so no detach and no retry.
 */
export class Fenced extends Error {
  constructor(
    readonly replica: string,
    readonly owner: { epoch: bigint; member: string } | null,
  ) {
    super(`${replica} is owned by ${owner ? `${owner.member} (epoch ${owner.epoch})` : 'no replicator'} now`);
  }
}

/** The replica's recorded position is behind where the next transaction starts (restored from a backup). */
export class Gap extends Error {}

export const describe = (e: unknown) => {
  const err = e as { message?: string; code?: string; detail?: string };
  return [err.code, err.message ?? String(e), err.detail].filter(Boolean).join(': ');
};
