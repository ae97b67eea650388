import type { Command } from 'commander';
import { ExitCode } from '../errors.ts';
import { listDeadLetters, type DeadLetter } from '../dlq/letters.ts';
import { replayDeadLetters, type ReplayReport } from '../dlq/replay.ts';
import { parseDurationMs } from '../lib/time.ts';
import { color } from '../ui/style.ts';
import { renderTable } from '../ui/table.ts';
import { contextOf, printJson } from './context.ts';

export interface DlqFlags {
  replica?: string[];
  table?: string[];
  all?: boolean;
  wait?: string;
  json?: boolean;
}

const DEFAULT_WAIT_MS = 60_000;

export async function list(flags: DlqFlags, command: Command): Promise<number> {
  const { config, json } = contextOf(command);
  const letters = await listDeadLetters(config, { replicas: flags.replica, tables: flags.table, all: flags.all });
  if (json) printJson({ letters });
  else process.stdout.write(renderLetters(letters, Boolean(flags.all)));
  return ExitCode.ok;
}

/** Exit 0 when no selected letter is left pending, 1 when some are (each says why). */
export async function replay(flags: DlqFlags, command: Command): Promise<number> {
  const { config, progress, json } = contextOf(command);
  const waitMs = flags.wait === undefined ? DEFAULT_WAIT_MS : parseDurationMs(flags.wait, '--wait');
  const report = await replayDeadLetters(config, { replicas: flags.replica, tables: flags.table, waitMs }, progress);
  if (json) printJson(report);
  else process.stdout.write(renderReplay(report));
  return report.pending ? ExitCode.failed : ExitCode.ok;
}

const where = (l: { topic: string; partition: number; offset: string }) => `${l.topic}[${l.partition}]@${l.offset}`;

function renderLetters(letters: DeadLetter[], all: boolean): string {
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
  return `${[renderTable(head, rows), 'Reasons:', ...reasons, next].filter(Boolean).join('\n')}\n`;
}

function renderReplay(r: ReplayReport): string {
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
