import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { usageError } from '../errors.ts';
import type { Change } from '../replicator/decode.ts';
import { createKafka, logEnds, changeTopics } from '../replicator/kafka.ts';
import { startReader } from '../replicator/reader.ts';
import { isInternalTable, isSchemaChange } from '../replicator/topics.ts';
import { color } from '../ui/style.ts';
import { contextOf } from './context.ts';

/**
 * `cqrsctl events tail [--table T]`: change events as they arrive, in the leader's commit order, one line
 * each — time of commit, table, operation, key and the columns that changed (all columns for creates), and
 * schema changes by their command — or the raw envelope with --json.
 */
export default async function tail(opts: { table?: string; json?: boolean; fromBeginning?: boolean }, command: Command) {
  const { config } = contextOf(command);
  const kafka = createKafka(config, 'cqrsctl-events');
  const admin = kafka.admin();
  await admin.connect();
  const wanted = opts.table && (opts.table.includes('.') ? opts.table : `public.${opts.table}`);
  let topics: string[] = [];
  let reader: { stop(): Promise<void> } | undefined;
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const print = (c: Change) => {
    const e = c.event;
    if (!e || (wanted && `${e.schema}.${e.table}` !== wanted)) return;
    if (isInternalTable(e.schema) && !(isSchemaChange(e) && !wanted)) return;
    process.stdout.write(`${opts.json ? c.rawValue : describeChange(c)}\n`);
  };
  try {
    while (!abort.signal.aborted) {
      const now = await changeTopics(admin, config);
      if (now.join() !== topics.join()) {
        // Topics known before start from their end (only new events); topics that appear later from their beginning.
        const start = topics.length || opts.fromBeginning ? new Map() : await logEnds(admin, now);
        if (topics.length && !opts.fromBeginning) for (const [tp, end] of await logEnds(admin, topics)) start.set(tp, end);
        topics = now;
        await reader?.stop();
        reader = await startReader(kafka, {
          name: 'events-tail',
          topics,
          start,
          onBatch: async (_t, _p, changes) => changes.forEach(print),
          onCrash: (e) => abort.abort(e),
        });
      }
      // New topics are looked for every 3 s; Ctrl-C ends the wait at once.
      await sleep(3000, undefined, { signal: abort.signal }).catch(() => {});
    }
    if (abort.signal.reason instanceof Error) throw usageError(`reading events failed: ${abort.signal.reason.message}`);
  } finally {
    await reader?.stop();
    await admin.disconnect();
  }
}

function describeChange(c: Change): string {
  const e = c.event!;
  const when = e.tsMs ? new Date(e.tsMs).toISOString().slice(11, 23) : '            ';
  if (isSchemaChange(e)) return `${color.dim(when)} ${color.magenta('schema change')} ${String(e.after!.tag)}`;
  const op = {
    c: color.green('insert'),
    r: color.cyan('snapshot'),
    u: color.yellow('update'),
    d: color.red('delete'),
    t: color.red('truncate'),
  }[e.op];
  const head = `${color.dim(when)} ${e.schema}.${e.table} ${op}${c.key ? ` ${c.key}` : ''}`;
  if (e.op === 't') return head;
  if (e.op === 'd') return head;
  const changed = Object.entries(e.after ?? {}).filter(
    ([k, v]) => e.op !== 'u' || !e.before || JSON.stringify(e.before[k]) !== JSON.stringify(v),
  );
  return `${head} ${changed.map(([k, v]) => `${k}=${short(v)}`).join(' ')}`;
}

const short = (v: unknown) => {
  const s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? 'null');
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
};
