import type { ChalkInstance } from 'chalk';
import { formatBytes } from '../lib/format.ts';
import { summarizeReport, type Row, type TableSummary } from '../verify/summary.ts';
import type { VerifyReport } from '../verify/verify.ts';
import { renderTable } from './table.ts';

const SHOWN_KEYS = 5;

const keyText = (row: Row) =>
  Object.entries(row)
    .map(([k, v]) => `${k}=${v === null ? 'NULL' : isoTime(v)}`)
    .join(',');
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** PostgreSQL's UTC timestamp text (2026-11-26 02:28:11.0158+00) in the ISO form cqrsctl prints everywhere. */
const isoTime = (v: string) => v.replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)\+00(?::00)?$/, '$1T$2Z');

/** `verify-replicas`'s report: the wait, what was compared, any repair, one row per table and replica, the verdict. */
export function renderVerifyReport(report: VerifyReport, waitMs: number | undefined, color: ChalkInstance): string {
  const out: string[] = [];
  const lag = report.lag.map(
    (l) => `${l.replica} ${l.behindBytes === null ? 'unknown (no replicator watermark yet)' : formatBytes(l.behindBytes)}`,
  );
  if (report.verdict === 'lagging') {
    return `${color.red('✖')} replicas did not catch up with the leader (${report.leaderLsn}) within ${waitMs! / 1000}s; WAL not yet applied: ${lag.join(', ')}\n`;
  }
  if (waitMs === undefined)
    out.push(color.dim(`Leader WAL not yet applied at start (differences there may be in flight; --wait avoids them): ${lag.join(', ')}`));
  const { tables, beforeRepair, repairs } = summarizeReport(report, SHOWN_KEYS);
  out.push(color.dim(`Compared definitions and rows of the replicated set: ${report.scope}.`));
  if (beforeRepair) out.push('Before repair:', renderDiffs(beforeRepair, color));
  for (const r of repairs ?? []) {
    out.push(
      `Repaired ${r.table} on ${r.replica}: ${[...r.actions, `${plural(r.deleted, 'row')} deleted, ${r.inserted} inserted`].join('; ')}`,
    );
  }
  if (beforeRepair) out.push('After repair:');
  out.push(renderDiffs(tables, color));
  const diverged = tables.filter((t) => t.state !== 'equal');
  const replicas = new Set(tables.map((t) => t.replica)).size;
  const tableCount = new Set(tables.map((t) => t.table)).size;
  const traffic = color.dim(`(${(report.ms / 1000).toFixed(1)}s, ${formatBytes(report.bytesReceived)} received)`);
  out.push(
    diverged.length
      ? `${color.red('✖')} diverged: ${diverged.map((t) => `${t.table} on ${t.replica}`).join(', ')} ${traffic}`
      : `${color.green('✔')} ${plural(replicas, 'replica')} ${replicas === 1 ? 'equals' : 'equal'} the leader on ${plural(tableCount, 'table')} ${traffic}`,
  );
  return `${out.join('\n')}\n`;
}

function renderDiffs(tables: TableSummary[], color: ChalkInstance): string {
  const rows = tables.map((t) => [
    t.replica,
    t.table,
    t.state === 'diverged' && (t.schema || t.definition) ? 'diverged (definition)' : t.state,
    t.leaderRows === t.replicaRows ? t.leaderRows : `${t.leaderRows} / ${t.replicaRows}`,
    t.missing,
    t.extra,
    t.changed,
    `${t.ms} ms`,
  ]);
  const lines = [renderTable(['replica', 'table', 'state', 'rows', 'missing', 'extra', 'changed', 'time'], rows, color)];
  for (const t of tables.filter((d) => d.state === 'diverged')) {
    const at = `${t.replica} ${t.table}${t.keyless ? ' (no primary key: compared as a multiset of rows)' : ''}`;
    const more = (shown: number, total: number) => (total > shown ? ` … and ${total - shown} more` : '');
    if (t.schema?.missingColumns.length) lines.push(`  ${at}: columns missing on the replica: ${t.schema.missingColumns.join(', ')}`);
    if (t.schema?.extraColumns.length) lines.push(`  ${at}: columns only on the replica: ${t.schema.extraColumns.join(', ')}`);
    for (const m of t.schema?.typeMismatches ?? []) lines.push(`  ${at}: column ${m.column} is ${m.replica}, leader has ${m.leader}`);
    if (t.schema?.primaryKey)
      lines.push(`  ${at}: primary key (${t.schema.primaryKey.replica.join(', ')}), leader has (${t.schema.primaryKey.leader.join(', ')})`);
    if (t.definition) lines.push(...definitionLines(at, t.definition));
    if (t.missing) lines.push(`  ${at}: missing ${t.samples.missing.map(keyText).join('; ')}${more(t.samples.missing.length, t.missing)}`);
    if (t.extra) lines.push(`  ${at}: extra ${t.samples.extra.map(keyText).join('; ')}${more(t.samples.extra.length, t.extra)}`);
    if (t.changed)
      lines.push(
        `  ${at}: changed ${t.samples.changed.map((c) => `${keyText(c.key)} (${c.columns.join(', ')})`).join('; ')}${more(t.samples.changed.length, t.changed)}`,
      );
  }
  return lines.join('\n');
}

/** The lines of a definition that only one side has. */
function definitionLines(at: string, d: { leader: string; replica: string }): string[] {
  const [ours, theirs] = [d.leader.split('\n'), d.replica.split('\n')];
  const only = (a: string[], b: string[]) => a.filter((l) => l.trim() && !b.includes(l));
  return [
    ...only(ours, theirs).map((l) => `  ${at}: leader has   ${l.trim()}`),
    ...only(theirs, ours).map((l) => `  ${at}: replica has  ${l.trim()}`),
  ];
}
