import { buildConfig, type Config, type StackConflict } from '../config/config.ts';
import type { SettingName } from '../config/settings.ts';
import { flagName } from '../config/settings.ts';
import { CqrsError, ExitCode } from '../errors.ts';

/** "leaderPort 6432 (--leader-port asks for 7432), replicas 3 (CQRSCTL_REPLICAS asks for 2)". */
export const describeConflicts = (conflicts: StackConflict[]) =>
  conflicts.map((c) => `${c.name} ${c.running} (${c.from} asks for ${c.asked})`).join(', ');

const asFlags = (conflicts: StackConflict[]) => conflicts.map((c) => `${flagName(c.name)} ${c.asked}`).join(' ');

/**
 * The error for a command that asks for other settings than the ones the running stack was started with:
 * it would otherwise look for services where they are not (or silently ignore the setting).
 */
export function stackConflictError(config: Config): CqrsError {
  const conflicts = config.stack?.conflicts ?? [];
  const names = conflicts.map((c) => c.name).join(', ');
  // More replicas need no restart: `replicas add` starts and seeds them on the running stack.
  const more = conflicts.length === 1 && conflicts[0].name === 'replicas' && Number(conflicts[0].asked) > Number(conflicts[0].running);
  // The change topic's partitions are fixed when it is made: a restart cannot change them.
  const fixed = conflicts.some((c) => c.name === 'partitions');
  return new CqrsError(
    `the stack in ${config.settings.home} runs with other settings than this command asks for: ${describeConflicts(conflicts)}`,
    more
      ? `Leave replicas out and run \`cqrsctl replicas add\` (once per replica): it starts and seeds one more on the running stack.`
      : fixed
        ? `Leave ${names} out to use the stack as it runs; the change topic's partitions are chosen when the stack is made, so another count needs a new stack: \`cqrsctl down --purge\` (it deletes the data), then \`cqrsctl up ${asFlags(conflicts)}\`.`
        : `Leave ${names} out to use the stack as it runs (the state dir remembers its settings), or restart it with the new ones: \`cqrsctl down\`, then \`cqrsctl up ${asFlags(conflicts)}\` (data is kept).`,
    ExitCode.usage,
  );
}

/** The config of the stack as it runs: every conflicting setting back at the running stack's value. */
export function asRunning(config: Config): Config {
  const conflicts = config.stack?.conflicts ?? [];
  if (!conflicts.length) return config;
  const settings = { ...config.settings } as Record<SettingName, unknown>;
  const sources = { ...config.sources };
  for (const c of conflicts) {
    settings[c.name] = c.running;
    sources[c.name] = { kind: 'stack', label: 'the running stack' };
  }
  return buildConfig(
    settings as Config['settings'],
    config.configFile,
    sources,
    config.stack && { record: config.stack.record, conflicts: [] },
  );
}
