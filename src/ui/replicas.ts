import type { ChalkInstance } from 'chalk';
import { formatMs } from '../lib/format.ts';
import type { AddReport, ReplicaLine } from '../replicas/replicas.ts';
import type { SeedReport } from '../replicas/seed.ts';
import { colorState, renderTable } from './table.ts';

/** What a seed did: tables, rows, the leader point it copied and where the replica streams on from. */
export const renderSeed = (r: SeedReport) =>
  `Seeded ${r.replica}: ${r.tables.length} tables, ${r.rows.toLocaleString('en')} rows as of leader LSN ${r.point} ` +
  `(schema change ${r.schemaChangeId}); it streams on from ${r.topic} offset ${r.resumeOffset}` +
  (r.partitions.length ? ` and ${r.partitions[0].topic} offsets ${r.partitions.map((p) => `${p.partition}:${p.offset}`).join(', ')}` : '') +
  ` (${formatMs(r.ms)}).\n` +
  (r.unsupported.length ? `Not mirrored: ${r.unsupported.join('; ')}\n` : '') +
  (r.deadLettersSettled ? `${r.deadLettersSettled} pending dead letters settled by the copy (marked superseded).\n` : '');

/** `replicas add`: the new replica, its seed, and which apps were restarted (or must be) to use it. */
export function renderAdd(report: AddReport): string {
  let text = `Added ${report.replica} on ${report.address}; the stack now has ${report.replicas} replicas.\n${renderSeed(report.seed)}`;
  if (report.restarted.length) text += `Restarted ${report.restarted.join(' and ')} to use it.\n`;
  if (report.foreground.length)
    text += `The ${report.foreground.join(' and ')} run in a foreground \`cqrsctl up\`: restart it (Ctrl-C, then \`cqrsctl up\`) to use ${report.replica}.\n`;
  return text;
}

/** `replicas list`: one row per replica with its state and how far it has applied. */
export function renderReplicaList(replicas: ReplicaLine[], color: ChalkInstance): string {
  const rows = replicas.map((r) => [
    r.name,
    r.address,
    colorState(r.state, color),
    r.progress.error ? 'error' : String(r.progress.appliedEvents),
    r.progress.lagEvents ?? '–',
    r.progress.lagMs === null ? '–' : formatMs(r.progress.lagMs),
    r.progress.deadLettered,
  ]);
  return `${renderTable(['replica', 'address', 'state', 'applied', 'lag (events)', 'lag', 'dead letters'], rows, color)}\n`;
}
