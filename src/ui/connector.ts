import type { ChalkInstance } from 'chalk';
import type { ConnectorStatus } from '../connect/client.ts';
import { colorState } from './table.ts';

/** `connector status`: the connector's state and worker, then each task's (a failed one with its trace's first line). */
export function renderConnectorStatus(name: string, s: ConnectorStatus, color: ChalkInstance): string {
  const lines = [`connector ${name}: ${colorState(s.connector.state, color)} on ${s.connector.worker_id}`];
  for (const t of s.tasks)
    lines.push(`  task ${t.id}: ${colorState(t.state, color)} on ${t.worker_id}${t.trace ? `\n    ${t.trace.split('\n')[0]}` : ''}`);
  return `${lines.join('\n')}\n`;
}
