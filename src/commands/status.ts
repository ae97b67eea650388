import type { Command } from 'commander';
import { selectRuntime } from '../runtime/select.ts';
import { collectStatus } from '../stack/status.ts';
import { colorState, renderTable } from '../ui/table.ts';
import { color } from '../ui/style.ts';
import { contextOf, printJson } from './context.ts';

export default async function status(_opts: object, command: Command) {
  const { config, json } = contextOf(command);
  const runtime = await selectRuntime(config);
  const s = await collectStatus(config, runtime);
  const healthy = s.services.every((x) => x.state === 'running') && s.connector.state === 'RUNNING' && s.connector.tasks.every((t) => t.state === 'RUNNING');
  if (json) {
    printJson({ ...s, healthy });
    return healthy ? 0 : 1;
  }
  const out: string[] = [];
  out.push(`${color.bold('Runtime')}: ${s.runtime.name} ${color.dim(`(${s.runtime.reason})`)}`);
  out.push(renderTable(['service', 'state', 'address', 'pid'], s.services.map((x) => [x.name, colorState(x.state), x.address, x.pid ?? ''])));
  const tasks = s.connector.tasks.map((t) => `task ${t.id} ${colorState(t.state)}`).join(', ');
  out.push(`${color.bold('Connector')} ${s.connector.name}: ${colorState(s.connector.state)}${tasks ? `, ${tasks}` : ''}${s.connector.error ? color.dim(` (${s.connector.error})`) : ''}`);
  const failedTrace = [s.connector.trace, ...s.connector.tasks.map((t) => t.trace)].find(Boolean);
  if (failedTrace) out.push(color.red(`  ${failedTrace.split('\n')[0]}`));
  if (s.slot === null) out.push(`${color.bold('Replication slot')}: not created yet`);
  else if ('error' in s.slot) out.push(`${color.bold('Replication slot')} ${s.slot.name}: ${color.dim(s.slot.error)}`);
  else out.push(`${color.bold('Replication slot')} ${s.slot.name}: ${s.slot.active ? 'active' : color.yellow('inactive')}, WAL retained ${formatBytes(s.slot.walRetainedBytes)}`);
  out.push(renderTable(['replica', 'applied', 'lsn', 'lag events', 'lag', 'dead-lettered'], s.replication.map((r) => [
    r.name, r.error ? color.red(r.error) : r.appliedEvents, r.lastLsn ?? '–', r.lagEvents ?? '?', r.lagMs === null ? '–' : formatMs(r.lagMs), r.deadLettered ? color.yellow(String(r.deadLettered)) : 0,
  ])));
  process.stdout.write(out.join('\n') + '\n');
  return healthy ? 0 : 1;
}

const formatMs = (ms: number) => (ms < 10_000 ? `${ms} ms` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
