import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { stripVTControlCharacters } from 'node:util';

/** A number, possibly with a unit or a fraction of two: 12, 1.5, 338 ms, 7.2 kB, 2 min, 41 / 40. */
const numeric = /^-?\d[\d.,]*( ?(ms|s|min|h|B|kB|MB|GB|TB|%))?( \/ -?\d[\d.,]*)?$/;

/** Cells that stand for a missing number; they do not make a column of numbers textual. */
const placeholders = new Set(['', '–', '?', 'down', 'error']);

/** A table with upper-case headers; columns that hold only numbers (or placeholders for none) are right-aligned. */
export function renderTable(head: string[], rows: (string | number)[][], color: ChalkInstance): string {
  const cells = rows.map((row) => row.map(String));
  const colAligns = head.map((_, i) => {
    const values = cells.map((row) => stripVTControlCharacters(row[i] ?? '').trim()).filter((v) => !placeholders.has(v));
    return values.length > 0 && values.every((v) => numeric.test(v)) ? ('right' as const) : ('left' as const);
  });
  const table = new Table({
    head: head.map((h) => color.bold(h.toUpperCase())),
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    colAligns,
  });
  for (const row of cells) table.push(row);
  return table.toString();
}

const stateColors: Record<string, 'green' | 'dim' | 'yellow' | 'red'> = {
  running: 'green',
  RUNNING: 'green',
  healthy: 'green',
  stopped: 'dim',
  PAUSED: 'yellow',
  unhealthy: 'red',
  FAILED: 'red',
  missing: 'dim',
};
export const colorState = (state: string, color: ChalkInstance) => {
  const name = stateColors[state];
  return name ? color[name](state) : state;
};
