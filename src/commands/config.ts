import type { Command } from 'commander';
import { redact } from '../config/config.ts';
import { envName, settings, type SettingName } from '../config/settings.ts';
import { renderConfig } from '../ui/config.ts';
import { jsonText } from '../ui/output.ts';
import { contextOf } from './context.ts';

/** A secret is never shown; in a URL only the password is masked, so the host stays readable. */
const mask = (value: string) => (value === '' ? '' : value.includes('://') ? redact(value) : '********');

const origin = { default: 'default', stack: 'running stack', file: 'config file', env: 'environment', flag: 'flag' } as const;

/** Shows the resolved settings, where each value came from, and any that differ from the running stack's. */
export default async function config(_opts: object, command: Command) {
  const { config: c, json, output } = contextOf(command, { stack: 'report' });
  const rows = (Object.keys(settings) as SettingName[]).map((name) => {
    const spec = settings[name];
    const value = String(c.settings[name]);
    const source = c.sources[name];
    return {
      name,
      value: spec.kind === 'secret' ? mask(value) : value,
      source: source.label,
      from: origin[source.kind],
      env: envName(name),
      doc: spec.doc,
    };
  });
  const conflicts = c.stack?.conflicts ?? [];
  if (json) {
    output.out(
      jsonText({
        configFile: c.configFile ?? null,
        settings: Object.fromEntries(rows.map((r) => [r.name, r.value])),
        sources: Object.fromEntries(rows.map((r) => [r.name, r.source])),
        conflicts,
      }),
    );
    return;
  }
  output.out(renderConfig({ configFile: c.configFile, home: c.settings.home, rows, conflicts }, output.color));
}
