import type { Command } from 'commander';
import { errorMessage, usageError } from '../errors.ts';
import { followChanges, summarizeChange, type ChangeSummary } from '../replicator/follow.ts';
import { refuseBrokerAccessProblems } from '../lib/kafka-client.ts';
import { color } from '../ui/style.ts';
import { contextOf } from './context.ts';

/**
 * `cqrsctl events tail [--table T]`: change events as they arrive, in the leader's commit order, one line
 * each — time of commit, table, operation, key and the columns that changed (all columns for creates), and
 * schema changes by their command — or the raw envelope with --json.
 */
export default async function tail(opts: { table?: string; json?: boolean; fromBeginning?: boolean }, command: Command) {
  const { config } = contextOf(command);
  await refuseBrokerAccessProblems(config);
  const wanted = opts.table && (opts.table.includes('.') ? opts.table : `public.${opts.table}`);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    await followChanges(config, {
      name: 'cqrsctl-events',
      fromBeginning: opts.fromBeginning,
      signal: abort.signal,
      onChange: (c) => {
        const s = summarizeChange(c, wanted);
        if (s) process.stdout.write(`${opts.json ? c.rawValue : describeChange(s)}\n`);
      },
    });
  } catch (e) {
    throw usageError(`reading events failed: ${errorMessage(e)}`);
  }
}

const opColor = {
  insert: color.green,
  snapshot: color.cyan,
  update: color.yellow,
  delete: color.red,
  truncate: color.red,
  'schema change': color.magenta,
};

function describeChange(s: ChangeSummary): string {
  const when = color.dim(s.at ? new Date(s.at).toISOString().slice(11, 23) : '            ');
  const op = opColor[s.op](s.op);
  if (s.op === 'schema change') return `${when} ${op} ${s.table}`;
  const head = `${when} ${s.table} ${op}${s.key ? ` ${s.key}` : ''}`;
  if (s.op === 'truncate' || s.op === 'delete') return head;
  return `${head} ${s.columns.map(([k, v]) => `${k}=${v}`).join(' ')}`;
}
