/** A byte count as people read it: 512 B, 1.5 kB, 20.3 MB, 1.2 GB (powers of 1024). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) ((n /= 1024), i++);
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** A lag or a wait: milliseconds under 10 s, then seconds, then minutes past 2 min. */
export const formatMs = (ms: number) =>
  ms < 10_000 ? `${ms} ms` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
