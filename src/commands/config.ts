import type { Command } from 'commander';
import { envName, settings } from '../config/settings.ts';
import { renderTable } from '../ui/table.ts';
import { contextOf, printJson } from './context.ts';

/** Shows the resolved settings; secrets are masked. */
export default async function config(_opts: object, command: Command) {
  const { config: c, json } = contextOf(command);
  const rows = Object.entries(settings).map(([name, spec]) => {
    const value = c.settings[name as keyof typeof c.settings];
    const shown = spec.kind === 'secret' && value !== '' ? '********' : String(value);
    return { name, value: shown, env: envName(name), doc: spec.doc };
  });
  if (json) {
    printJson({ configFile: c.configFile ?? null, settings: Object.fromEntries(rows.map((r) => [r.name, r.value])) });
    return;
  }
  process.stdout.write(`config file: ${c.configFile ?? '(none)'}\n`);
  process.stdout.write(renderTable(['setting', 'value', 'environment', 'meaning'], rows.map((r) => [r.name, r.value, r.env, r.doc])) + '\n');
}
