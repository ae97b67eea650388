import type { Command } from 'commander';
import { ExitCode } from '../errors.ts';
import { listDeadLetters } from '../dlq/letters.ts';
import { replayDeadLetters } from '../dlq/replay.ts';
import { parseDurationMs } from '../lib/time.ts';
import { renderLetters, renderReplay } from '../ui/dlq.ts';
import { jsonText } from '../ui/output.ts';
import { contextOf } from './context.ts';

export interface DlqFlags {
  replica?: string[];
  table?: string[];
  all?: boolean;
  wait?: string;
  json?: boolean;
}

const DEFAULT_WAIT_MS = 60_000;

export async function list(flags: DlqFlags, command: Command): Promise<number> {
  const { config, json, output } = contextOf(command);
  const letters = await listDeadLetters(config, { replicas: flags.replica, tables: flags.table, all: flags.all });
  output.out(json ? jsonText({ letters }) : renderLetters(letters, Boolean(flags.all), output.color));
  return ExitCode.ok;
}

/** Exit 0 when no selected letter is left pending, 1 when some are (each says why). */
export async function replay(flags: DlqFlags, command: Command): Promise<number> {
  const { config, progress, json, output } = contextOf(command);
  const waitMs = flags.wait === undefined ? DEFAULT_WAIT_MS : parseDurationMs(flags.wait, '--wait');
  const report = await replayDeadLetters(config, { replicas: flags.replica, tables: flags.table, waitMs }, progress);
  output.out(json ? jsonText(report) : renderReplay(report, output.color));
  return report.pending ? ExitCode.failed : ExitCode.ok;
}
