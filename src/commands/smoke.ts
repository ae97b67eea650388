import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { usageError } from '../errors.ts';
import { parseDurationMs } from '../lib/time.ts';
import { parseSimulateFlags } from '../simulate/options.ts';
import { junitXml } from '../smoke/junit.ts';
import { runSmoke, smokeExitCode } from '../smoke/phases.ts';
import { jsonText } from '../ui/output.ts';
import { renderSmokeReport } from '../ui/smoke.ts';
import { contextOf } from './context.ts';

export interface SmokeFlags {
  count?: string;
  seed?: string;
  wait?: string;
  junit?: string;
  down?: boolean;
  json?: boolean;
}

export default async function smoke(flags: SmokeFlags, command: Command): Promise<number> {
  const { config, progress, json, output } = contextOf(command, { stack: 'report' });
  const { count, seed } = parseSimulateFlags({ count: flags.count ?? '200', seed: flags.seed });
  const waitMs = parseDurationMs(flags.wait ?? '120s', '--wait');
  const junit = flags.junit === undefined ? undefined : resolve(flags.junit);
  // Found out now, not after minutes of smoke test whose result would then be lost.
  if (junit !== undefined && !existsSync(dirname(junit)))
    throw usageError(`--junit: directory ${dirname(junit)} does not exist`, 'Create it first, e.g. `mkdir -p reports`.');
  const report = await runSmoke(config, { count: count!, seed, waitMs, down: Boolean(flags.down) }, progress);
  if (junit !== undefined) writeFileSync(junit, junitXml(report, new Date()));
  output.out(json ? jsonText(report) : renderSmokeReport(report, junit, output.color));
  return smokeExitCode(report);
}
