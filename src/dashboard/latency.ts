import type { Config } from '../config/config.ts';

/** Per replica: the replicator's running totals of leader-commit-to-visible seconds and of transactions measured. */
export type CommitToVisible = Map<string, { sum: number; count: number }>;

const line = /^cqrsctl_commit_to_visible_seconds_(sum|count)\{replica="([^"]+)"\} (\S+)$/;

/**
 * Reads the commit-to-visible totals from the replicator's /metrics; null when no replicator serves them
 * here (stopped, or running elsewhere), in which case the dashboard charts status's lag alone.
 */
export async function readCommitToVisible(config: Config): Promise<CommitToVisible | null> {
  try {
    const res = await fetch(`http://${config.settings.host}:${config.settings.metricsPort}/metrics`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? parseCommitToVisible(await res.text()) : null;
  } catch {
    return null;
  }
}

export function parseCommitToVisible(text: string): CommitToVisible {
  const totals: CommitToVisible = new Map();
  for (const l of text.split('\n')) {
    const m = line.exec(l);
    if (!m) continue;
    const t = totals.get(m[2]) ?? { sum: 0, count: 0 };
    t[m[1] as 'sum' | 'count'] = Number(m[3]);
    totals.set(m[2], t);
  }
  return totals;
}
