import type { ChalkInstance } from 'chalk';
import type { Summary } from '../simulate/stats.ts';
import { renderTable } from './table.ts';

/** `simulate`'s summary: a row per kind of command, the rate achieved, and the read-your-writes check. */
export function renderSimulateSummary(s: Summary, color: ChalkInstance): string {
  const rows = s.byKind.map((k) => [k.kind, k.ok, k.rejected, k.errors ? color.red(String(k.errors)) : 0, k.p50Ms, k.p99Ms]);
  rows.push([color.bold('total'), s.ops.ok, s.ops.rejected, s.ops.errors, s.writeLatencyMs.p50, s.writeLatencyMs.p99]);
  const lines = [
    renderTable(['command', 'ok', 'rejected', 'errors', 'p50 ms', 'p99 ms'], rows, color),
    `${s.ops.total} commands in ${s.elapsedSeconds} s: ${s.achievedRate} commands/s via ${s.via} (seed ${s.seed}; rejected = refused by the domain, e.g. an order already shipped)`,
  ];
  if (s.interrupted)
    lines.push(
      color.yellow(
        `Interrupted: ${s.ops.total}${s.planned === null ? '' : ` of ${s.planned}`} commands ran; every one that started finished.`,
      ),
    );
  if (s.reads) {
    const r = s.reads;
    const verdict =
      r.stale + r.unavailable === 0
        ? color.green('every read showed its write')
        : color.red(`${r.stale} stale, ${r.unavailable} unavailable`);
    lines.push(`Read-your-writes: ${r.checked} read back with their token, ${verdict}; read latency p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
  }
  for (const e of s.firstErrors) lines.push(color.red(`  ${e}`));
  return lines.join('\n') + '\n';
}
