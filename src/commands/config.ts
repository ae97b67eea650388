import type { Command } from 'commander';
import { redact } from '../config/config.ts';
import { envName, settings, type SettingName } from '../config/settings.ts';
import { describeConflicts } from '../stack/settings-check.ts';
import { color } from '../ui/style.ts';
import { renderTable } from '../ui/table.ts';
import { contextOf, printJson } from './context.ts';

/** A secret is never shown; in a URL only the password is masked, so the host stays readable. */
const mask = (value: string) => (value === '' ? '' : value.includes('://') ? redact(value) : '********');

const origin = { default: 'default', stack: 'running stack', file: 'config file', env: 'environment', flag: 'flag' } as const;

/** Shows the resolved settings, where each value came from, and any that differ from the running stack's. */
export default async function config(_opts: object, command: Command) {
  const { config: c, json } = contextOf(command, { stack: 'report' });
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
    printJson({
      configFile: c.configFile ?? null,
      settings: Object.fromEntries(rows.map((r) => [r.name, r.value])),
      sources: Object.fromEntries(rows.map((r) => [r.name, r.source])),
      conflicts,
    });
    return;
  }
  process.stdout.write(`config file: ${c.configFile ?? '(none)'}\n`);
  process.stdout.write(
    renderTable(
      ['setting', 'value', 'from', 'environment', 'meaning'],
      rows.map((r) => [r.name, r.value, r.from === 'default' ? color.dim(r.from) : r.from, r.env, r.doc]),
    ) + '\n',
  );
  if (conflicts.length) {
    process.stdout.write(`${color.yellow('!')} the stack in ${c.settings.home} runs with other values: ${describeConflicts(conflicts)}\n`);
  }
}
