import type { ChalkInstance } from 'chalk';
import type { DeadLetter } from '../dlq/letters.ts';
import type { ReplayReport } from '../dlq/replay.ts';
import { renderTable } from './table.ts';

const where = (l: { topic: string; partition: number; offset: string }) => `${l.topic}[${l.partition}]@${l.offset}`;

/** `dlq list`: a table of the letters, then each one's reason and what to do next. */
export function renderLetters(letters: DeadLetter[], all: boolean, color: ChalkInstance): string {
  if (!letters.length) return `No ${all ? '' : 'pending '}dead letters.\n`;
  const rows = letters.map((l) => [
    l.replica,
    l.table ?? '–',
    l.key ?? '–',
    where(l),
    l.lsn ?? '–',
    l.deadAt,
    ...(all ? [l.replayOutcome ?? 'pending'] : []),
  ]);
  const head = ['replica', 'table', 'key', 'source', 'lsn', 'time', ...(all ? ['replay'] : [])];
  const reasons = letters.map((l) => `  ${l.replica} ${where(l)}: ${l.reason}`);
  const pending = letters.filter((l) => !l.replayedAt).length;
  const next = pending ? color.dim('Fix the cause, then `cqrsctl dlq replay` applies them and verifies the rows against the leader.') : '';
  return `${[renderTable(head, rows, color), 'Reasons:', ...reasons, next].filter(Boolean).join('\n')}\n`;
}

/** `dlq replay`: one line per letter with its outcome, then the counts. */
export function renderReplay(r: ReplayReport, color: ChalkInstance): string {
  if (!r.letters.length) return 'No pending dead letters to replay.\n';
  const mark = {
    applied: color.green('✔'),
    superseded: color.green('✔'),
    differs: color.red('✖'),
    failed: color.red('✖'),
    'not-replayable': color.yellow('–'),
  };
  const lines = r.letters.map(
    (l) => `${mark[l.outcome]} ${l.replica} ${where(l)} ${l.table ?? ''} ${l.key ?? ''}: ${l.outcome}${l.detail ? ` (${l.detail})` : ''}`,
  );
  lines.push(
    `${r.applied} replayed and verified equal to the leader, ${r.superseded} superseded (already equal), ${r.pending} left pending.`,
  );
  return `${lines.join('\n')}\n`;
}
