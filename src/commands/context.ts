import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/config.ts';
import { settings, type SettingName } from '../config/settings.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { terminalProgress } from '../ui/progress.ts';

export interface Context {
  config: Config;
  progress: Progress;
  json: boolean;
}

/** Builds what every command needs from the global flags: the resolved config and a progress reporter. */
export function contextOf(command: Command): Context {
  const opts = command.optsWithGlobals() as Record<string, unknown>;
  const flags: Partial<Record<SettingName, string>> = {};
  for (const name of Object.keys(settings) as SettingName[]) {
    if (opts[name] !== undefined) flags[name] = String(opts[name]);
  }
  const config = loadConfig({ flags, configFile: opts.config as string | undefined });
  const json = Boolean(opts.json);
  return { config, json, progress: json ? silentProgress : terminalProgress() };
}

export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};
