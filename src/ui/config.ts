import type { ChalkInstance } from 'chalk';
import type { StackConflict } from '../config/config.ts';
import { describeConflicts } from '../stack/settings-check.ts';
import { renderTable } from './table.ts';

export interface SettingRow {
  name: string;
  /** Already masked when secret. */
  value: string;
  /** Where the value came from, in words: default, environment, flag, … */
  from: string;
  env: string;
  doc: string;
}

/** `cqrsctl config`: the config file, one row per setting, and the settings the running stack has otherwise. */
export function renderConfig(
  c: { configFile?: string; home: string; rows: SettingRow[]; conflicts: StackConflict[] },
  color: ChalkInstance,
): string {
  const lines = [
    `config file: ${c.configFile ?? '(none)'}`,
    renderTable(
      ['setting', 'value', 'from', 'environment', 'meaning'],
      c.rows.map((r) => [r.name, r.value, r.from === 'default' ? color.dim(r.from) : r.from, r.env, r.doc]),
      color,
    ),
  ];
  if (c.conflicts.length)
    lines.push(`${color.yellow('!')} the stack in ${c.home} runs with other values: ${describeConflicts(c.conflicts)}`);
  return `${lines.join('\n')}\n`;
}
