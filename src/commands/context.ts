import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/config.ts';
import { settings, type SettingName } from '../config/settings.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { asRunning, stackConflictError } from '../stack/settings-check.ts';
import { outputFor, type Output } from '../ui/output.ts';
import { terminalProgress } from '../ui/terminal-progress.ts';

export interface Context {
  config: Config;
  progress: Progress;
  json: boolean;
  output: Output;
}

export interface ContextOptions {
  /**
   * What to do when settings given explicitly differ from those the running stack was started with:
   * `refuse` (default) is a usage error naming them; `running` uses the running stack's values (to stop
   * it as it runs); `report` leaves them in `config.stack.conflicts` for the command to handle.
   */
  stack?: 'refuse' | 'running' | 'report';
}

/**
 * Builds what every command needs from the global flags: the resolved config, where to write, and a
 * progress reporter writing there.
 */
export function contextOf(command: Command, options: ContextOptions = {}): Context {
  const opts = command.optsWithGlobals() as Record<string, unknown>;
  const flags: Partial<Record<SettingName, string>> = {};
  for (const name of Object.keys(settings) as SettingName[]) {
    if (opts[name] !== undefined) flags[name] = String(opts[name]);
  }
  let config = loadConfig({ flags, configFile: opts.config as string | undefined });
  const policy = options.stack ?? 'refuse';
  if (config.stack?.conflicts.length) {
    if (policy === 'refuse') throw stackConflictError(config);
    if (policy === 'running') config = asRunning(config);
  }
  const json = Boolean(opts.json);
  const output = outputFor(command);
  return { config, json, output, progress: json ? silentProgress : terminalProgress(output) };
}
