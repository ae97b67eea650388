import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { errorMessage, usageError } from '../errors.ts';
import { envName, flagName, secretFileName, secretSettings, settings, type SettingName, type Settings } from './settings.ts';
import { buildConfig, type Config, type SettingSource, type StackConflict } from './config.ts';
import { readStackRecordIn, recordedSettings } from './stack-record.ts';

const defaultConfigFile = 'cqrsctl.config.json';

export interface LoadOptions {
  /** Flag values already parsed by the CLI; undefined means "not given". */
  flags?: Partial<Record<SettingName, string | number | undefined>>;
  /** Path of the config file; when absent, ./cqrsctl.config.json is read if it exists. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * What the settings recorded by `up` in the state dir do. `use` (default): they replace defaults, and an
   * explicit value that differs is a conflict listed in `config.stack.conflicts` (the asked value is used).
   */
  stack?: 'use' | 'ignore';
}

/**
 * Resolves settings once, in the documented order: defaults < settings the running stack was started with
 * < config file < CQRSCTL_* env < flags, remembering where each value came from.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const resolved: Record<string, unknown> = {};
  const sources = {} as Record<SettingName, SettingSource>;
  for (const [name, spec] of Object.entries(settings) as [SettingName, (typeof settings)[SettingName]][]) {
    resolved[name] = spec.default;
    sources[name] = { kind: 'default', label: 'default' };
  }

  const file = options.configFile ?? env.CQRSCTL_CONFIG ?? (existsSync(resolve(cwd, defaultConfigFile)) ? defaultConfigFile : undefined);
  if (file) {
    const entries = readConfigFile(resolve(cwd, file));
    for (const [name, raw] of Object.entries(entries)) {
      const secret = secretOfFileSetting(name);
      if (secret) {
        // The secret itself in the same file wins over its file: it is the more explicit of the two.
        if (entries[secret] !== undefined) continue;
        resolved[secret] = readSecretFile(resolve(cwd, String(raw)), `${file}: "${name}"`);
        sources[secret] = { kind: 'file', label: `"${name}" in ${file}` };
        continue;
      }
      if (!(name in settings)) {
        throw usageError(`${file}: unknown setting "${name}"`, `Known settings: ${knownNames().join(', ')}.`);
      }
      resolved[name] = coerce(name as SettingName, raw, `${file}: "${name}"`);
      sources[name as SettingName] = { kind: 'file', label: `"${name}" in ${file}` };
    }
  }
  for (const name of Object.keys(settings) as SettingName[]) {
    const value = env[envName(name)];
    const fileVariable = envName(secretFileName(name));
    if (value !== undefined && value !== '') {
      resolved[name] = coerce(name, value, envName(name));
      sources[name] = { kind: 'env', label: envName(name) };
    } else if (secretSettings.includes(name) && env[fileVariable]) {
      resolved[name] = readSecretFile(resolve(cwd, env[fileVariable]), fileVariable);
      sources[name] = { kind: 'env', label: fileVariable };
    }
  }
  for (const [name, value] of Object.entries(options.flags ?? {})) {
    if (value !== undefined) {
      resolved[name] = coerce(name as SettingName, value, flagName(name));
      sources[name as SettingName] = { kind: 'flag', label: flagName(name) };
    }
  }
  const s = resolved as Settings;
  s.home = expandPath(s.home, cwd);
  s.cache = expandPath(s.cache, cwd);
  for (const name of Object.keys(settings) as SettingName[]) {
    const value = s[name];
    if (settings[name].kind === 'file' && typeof value === 'string' && value !== '')
      (s as Record<string, unknown>)[name] = expandPath(value, cwd);
  }
  const stack = options.stack === 'ignore' ? undefined : applyStackRecord(s, sources);
  return buildConfig(s, file ? resolve(cwd, file) : undefined, sources, stack);
}

/** Fills in the running stack's settings where nothing explicit was given; lists explicit values that differ. */
function applyStackRecord(s: Settings, sources: Record<SettingName, SettingSource>): Config['stack'] {
  const record = readStackRecordIn(s.home);
  if (!record) return undefined;
  const conflicts: StackConflict[] = [];
  const mutable = s as Record<SettingName, unknown>;
  for (const name of recordedSettings) {
    const running = record.settings?.[name];
    if (running === undefined) continue;
    if (sources[name].kind === 'default') {
      mutable[name] = running;
      sources[name] = { kind: 'stack', label: 'the running stack' };
    } else if (String(s[name]) !== String(running)) {
      conflicts.push({ name, running, asked: s[name], from: sources[name].label });
    }
  }
  if (s.runtime !== 'auto' && s.runtime !== record.runtime) {
    conflicts.push({ name: 'runtime', running: record.runtime, asked: s.runtime, from: sources.runtime.label });
  }
  return { record, conflicts };
}

const secretOfFileSetting = (name: string) => secretSettings.find((secret) => secretFileName(secret) === name);
const knownNames = () => [...Object.keys(settings), ...secretSettings.map(secretFileName)];

/**
 * A secret read from a file, as Docker and Kubernetes mount them; one trailing newline is not part of it.
 * The error names the file and never its content.
 */
function readSecretFile(path: string, source: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw usageError(
      `${source}: cannot read the secret file ${path} (${(e as NodeJS.ErrnoException).code ?? errorMessage(e)})`,
      'Check that the file exists and that cqrsctl may read it.',
    );
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw usageError(`cannot read config file ${path}`, 'Check the path given with --config or CQRSCTL_CONFIG.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw usageError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw usageError(`config file ${path} must hold a JSON object of settings`);
  }
  return parsed as Record<string, unknown>;
}

function coerce(name: SettingName, raw: unknown, source: string): string | number {
  const spec = settings[name];
  const text = String(raw).trim();
  switch (spec.kind) {
    case 'port': {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1 || n > 65535)
        throw usageError(`${source}: "${text}" is not a TCP port`, 'Use a whole number from 1 to 65535.');
      return n;
    }
    case 'count': {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1 || n > 16)
        throw usageError(`${source}: "${text}" is not a valid count`, 'Use a whole number from 1 to 16.');
      return n;
    }
    case 'enum':
      if (!(spec.values as readonly string[]).includes(text))
        throw usageError(`${source}: "${text}" is not one of ${spec.values.join(', ')}`);
      return text;
    default:
      return text;
  }
}

function expandPath(path: string, cwd: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(cwd, path);
}
