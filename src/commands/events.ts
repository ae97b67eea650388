import type { Command } from 'commander';
import { errorMessage, usageError } from '../errors.ts';
import { followChanges, summarizeChange } from '../replicator/follow.ts';
import { refuseBrokerAccessProblems } from '../lib/kafka-client.ts';
import { renderChange } from '../ui/change.ts';
import { contextOf } from './context.ts';

/**
 * `cqrsctl events tail [--table T]`: change events as they arrive, in the leader's commit order, one line
 * each — time of commit, table, operation, key and the columns that changed (all columns for creates), and
 * schema changes by their command — or the raw envelope with --json.
 */
export default async function tail(opts: { table?: string; json?: boolean; fromBeginning?: boolean }, command: Command) {
  const { config, output } = contextOf(command);
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
        if (s) output.out(`${opts.json ? c.rawValue : renderChange(s, output.color)}\n`);
      },
    });
  } catch (e) {
    throw usageError(`reading events failed: ${errorMessage(e)}`);
  }
}
