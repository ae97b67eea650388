import type { ChalkInstance } from 'chalk';
import type { ChangeSummary } from '../replicator/follow.ts';

const opColor = {
  insert: 'green',
  snapshot: 'cyan',
  update: 'yellow',
  delete: 'red',
  truncate: 'red',
  'schema change': 'magenta',
} as const;

/**
 * One change event as `events tail` prints it: time of commit, table, operation, key and the columns that
 * changed (all columns for creates); a schema change by its command.
 */
export function renderChange(s: ChangeSummary, color: ChalkInstance): string {
  const when = color.dim(s.at ? new Date(s.at).toISOString().slice(11, 23) : '            ');
  const op = color[opColor[s.op]](s.op);
  if (s.op === 'schema change') return `${when} ${op} ${s.table}`;
  const head = `${when} ${s.table} ${op}${s.key ? ` ${s.key}` : ''}`;
  if (s.op === 'truncate' || s.op === 'delete') return head;
  return `${head} ${s.columns.map(([k, v]) => `${k}=${v}`).join(' ')}`;
}
