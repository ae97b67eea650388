import Table from 'cli-table3';
import { color } from './style.ts';

export function renderTable(head: string[], rows: (string | number)[][]): string {
  const table = new Table({
    head: head.map((h) => color.bold(h.toUpperCase())),
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}

const stateColors: Record<string, (s: string) => string> = {
  running: color.green, RUNNING: color.green, healthy: color.green,
  stopped: color.dim, PAUSED: color.yellow, unhealthy: color.red, FAILED: color.red, missing: color.dim,
};
export const colorState = (state: string) => (stateColors[state] ?? ((s: string) => s))(state);
