/**
 * Whether retrying can fix an error. PostgreSQL answers with a SQLSTATE: connection trouble (08), rollback
 * for serialization or deadlock (40), insufficient resources (53), operator intervention / shutdown (57),
 * system errors (58) and lock timeouts (55P03) pass; any other SQLSTATE means the statement is wrong for
 * this data and will be wrong again. Errors without a SQLSTATE (sockets closed, refused, timed out) are
 * the network's, hence transient.
 */
export function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return /^(08|40|53|57|58)/.test(code) || code === '55P03';
  return true;
}

/** The replica's recorded position is not where this batch starts: someone else applied, or there is a gap. */
export class PositionMismatch extends Error {
  constructor(
    readonly recorded: bigint | null,
    readonly expected: bigint | null,
  ) {
    super(`replica is at offset ${recorded ?? 'none'}, batch expects ${expected ?? 'none'}`);
  }
}

export const describe = (e: unknown) => {
  const err = e as { message?: string; code?: string; detail?: string };
  return [err.code, err.message ?? String(e), err.detail].filter(Boolean).join(': ');
};
