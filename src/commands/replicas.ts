import type { Command } from 'commander';
import { formatMs } from '../lib/format.ts';
import { addReplica, listReplicas, reseedReplica } from '../replicas/replicas.ts';
import type { SeedReport } from '../replicas/seed.ts';
import { colorState, renderTable } from '../ui/table.ts';
import { contextOf, printJson } from './context.ts';

export async function reseed(name: string, _flags: unknown, command: Command): Promise<number> {
  const { config, progress, json } = contextOf(command);
  const report = await reseedReplica(config, name, progress);
  if (json) printJson(report);
  else process.stdout.write(`${seedLine(report)}\n`);
  return 0;
}

export async function add(_flags: unknown, command: Command): Promise<number> {
  const { config, progress, json } = contextOf(command);
  const report = await addReplica(config, progress);
  if (json) {
    printJson(report);
    return 0;
  }
  const lines = [`Added ${report.replica} on ${report.address}; the stack now has ${report.replicas} replicas.`, seedLine(report.seed)];
  if (report.restarted.length) lines.push(`Restarted ${report.restarted.join(' and ')} to use it.`);
  if (report.foreground.length)
    lines.push(
      `The ${report.foreground.join(' and ')} run in a foreground \`cqrsctl up\`: restart it (Ctrl-C, then \`cqrsctl up\`) to use ${report.replica}.`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function list(_flags: unknown, command: Command): Promise<number> {
  const { config, json } = contextOf(command);
  const replicas = await listReplicas(config);
  if (json) {
    printJson({ replicas });
    return 0;
  }
  const rows = replicas.map((r) => [
    r.name,
    r.address,
    colorState(r.state),
    r.progress.error ? 'error' : String(r.progress.appliedEvents),
    r.progress.lagEvents ?? '–',
    r.progress.lagMs === null ? '–' : formatMs(r.progress.lagMs),
    r.progress.deadLettered,
  ]);
  process.stdout.write(`${renderTable(['replica', 'address', 'state', 'applied', 'lag (events)', 'lag', 'dead letters'], rows)}\n`);
  return 0;
}

const seedLine = (r: SeedReport) =>
  `Seeded ${r.replica}: ${r.tables.length} tables, ${r.rows.toLocaleString('en')} rows as of leader LSN ${r.point} ` +
  `(schema change ${r.schemaChangeId}); it streams on from ${r.topic} offset ${r.resumeOffset} (${formatMs(r.ms)}).` +
  (r.unsupported.length ? `\nNot mirrored: ${r.unsupported.join('; ')}` : '') +
  (r.deadLettersSettled ? `\n${r.deadLettersSettled} pending dead letters settled by the copy (marked superseded).` : '');
