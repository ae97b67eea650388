import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { usageError } from '../../errors.ts';
import { interpolateTree, parseDotEnv, type Env } from './interpolate.ts';
import { parseDuration } from './duration.ts';

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface PortSpec {
  hostIp: string;
  hostPort: string;
  containerPort: string;
  protocol: string;
}
export interface MountSpec {
  type: 'volume' | 'bind';
  source: string;
  target: string;
  readOnly: boolean;
}
export interface HealthSpec {
  test: string[];
  intervalNs?: number;
  timeoutNs?: number;
  retries?: number;
  startPeriodNs?: number;
}

/** One service of the compose file, normalized: the subset of the compose spec this stack uses. */
export interface ComposeService {
  key: string;
  image: string;
  command?: string[];
  entrypoint?: string[];
  environment: Record<string, string>;
  labels: Record<string, string>;
  ports: PortSpec[];
  expose: string[];
  mounts: MountSpec[];
  networks: string[];
  healthcheck?: HealthSpec;
  dependsOn: { service: string; condition: DependsCondition; restart: boolean }[];
  restart: string;
  stopSignal?: string;
  stopGraceSeconds?: number;
}

export interface ComposeProject {
  name: string;
  workingDir: string;
  configFiles: string[];
  services: Record<string, ComposeService>;
  /** key → engine name (`<project>_<key>` unless the file names it). */
  volumes: Record<string, string>;
  networks: Record<string, string>;
}

type Tree = Record<string, any>;

/**
 * Reads compose files as Compose does: each file parsed (YAML merge keys on) and interpolated on its
 * own, then later files merged over earlier ones, then normalized. Variables come from `env` over the
 * project directory's `.env` file.
 */
export function loadCompose(files: string[], options: { env: Env; projectName?: string; onWarning?: (m: string) => void }): ComposeProject {
  const configFiles = files.map((f) => resolve(f));
  const workingDir = dirname(configFiles[0]);
  const dotEnvPath = resolve(workingDir, '.env');
  const env: Env = { ...(existsSync(dotEnvPath) ? parseDotEnv(readFileSync(dotEnvPath, 'utf8')) : {}), ...options.env };
  const missing = new Set<string>();
  let merged: Tree = {};
  for (const file of configFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw usageError(`cannot read compose file ${file}`);
    }
    let doc: unknown;
    try {
      doc = parse(text, { merge: true, prettyErrors: true });
    } catch (e) {
      throw usageError(`${file} is not valid YAML: ${(e as Error).message}`);
    }
    if (!doc || typeof doc !== 'object') throw usageError(`${file} holds no compose model`);
    merged = mergeTree(merged, interpolateTree(doc, env, file, (n) => missing.add(n)) as Tree);
  }
  for (const name of missing) options.onWarning?.(`the "${name}" variable is not set; defaulting to a blank string`);

  const name = normalizeProjectName(options.projectName || merged.name || basename(workingDir));
  const services: Record<string, ComposeService> = {};
  for (const [key, raw] of Object.entries<Tree>(merged.services ?? {})) services[key] = normalizeService(key, raw ?? {}, workingDir, env);
  const names = (section: Tree | undefined, implicit: string[]) => {
    const out: Record<string, string> = {};
    for (const key of implicit) out[key] = `${name}_${key}`;
    for (const [key, spec] of Object.entries<Tree>(section ?? {})) out[key] = spec?.name ?? (spec?.external ? key : `${name}_${key}`);
    return out;
  };
  const usesDefault = Object.values(services).some((s) => s.networks.includes('default'));
  return {
    name,
    workingDir,
    configFiles,
    services,
    volumes: names(merged.volumes, []),
    networks: names(merged.networks, usesDefault ? ['default'] : []),
  };
}

/** compose-go NormalizeProjectName: lowercase, only [a-z0-9_-], no leading - or _. */
const normalizeProjectName = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[-_]+/, '');

// Sequences that Compose merges across files rather than replacing.
const appendedKeys = new Set(['ports', 'expose', 'volumes', 'env_file', 'dns', 'extra_hosts']);

function mergeTree(base: Tree, over: Tree, key = ''): Tree {
  if (Array.isArray(base) && Array.isArray(over) && appendedKeys.has(key)) {
    const seen = new Set(base.map((v) => JSON.stringify(v)));
    return [...base, ...over.filter((v) => !seen.has(JSON.stringify(v)))] as unknown as Tree;
  }
  if (!isMap(base) || !isMap(over)) return over;
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeTree(out[k], v, k) : v;
  return out;
}
const isMap = (v: unknown): v is Tree => !!v && typeof v === 'object' && !Array.isArray(v);

function normalizeService(key: string, s: Tree, workingDir: string, env: Env): ComposeService {
  if (typeof s.image !== 'string' || !s.image)
    throw usageError(`service ${key} has no image`, 'cqrsctl runs images; build them first (`cqrsctl images build` for the stand-ins).');
  return {
    key,
    image: s.image,
    command: s.command === undefined ? undefined : toArgv(s.command),
    entrypoint: s.entrypoint === undefined ? undefined : toArgv(s.entrypoint),
    environment: toEnvMap(s.environment, env),
    labels: toStringMap(s.labels),
    ports: (s.ports ?? []).map((p: unknown) => parsePort(p, key)),
    expose: (s.expose ?? []).map(String),
    mounts: (s.volumes ?? []).map((v: unknown) => parseMount(v, key, workingDir)),
    networks: s.networks ? (Array.isArray(s.networks) ? s.networks.map(String) : Object.keys(s.networks)) : ['default'],
    healthcheck: parseHealth(s.healthcheck, key),
    dependsOn: parseDependsOn(s.depends_on),
    restart: String(s.restart ?? 'no'),
    stopSignal: s.stop_signal,
    stopGraceSeconds: s.stop_grace_period
      ? Math.round(parseDuration(String(s.stop_grace_period), `${key} stop_grace_period`) / 1e9)
      : undefined,
  };
}

/** A string command is split the way a POSIX shell would split words (quotes kept together). */
export function toArgv(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of String(value).matchAll(re)) words.push(m[1]?.replace(/\\(.)/g, '$1') ?? m[2] ?? m[3]);
  return words;
}

function toStringMap(value: unknown): Record<string, string> {
  if (!value) return {};
  if (Array.isArray(value))
    return Object.fromEntries(
      value.map((kv) => {
        const [k, ...v] = String(kv).split('=');
        return [k, v.join('=')];
      }),
    );
  return Object.fromEntries(Object.entries(value as Tree).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

// `KEY` with no value (list form) or `KEY:` with null (map form) takes the value from the environment.
function toEnvMap(value: unknown, env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((kv) => {
        const s = String(kv);
        const i = s.indexOf('=');
        return i < 0 ? [s, null] : [s.slice(0, i), s.slice(i + 1)];
      })
    : Object.entries((value ?? {}) as Tree);
  for (const [k, v] of entries) {
    if (v === null || v === undefined) {
      if (env[k] !== undefined) out[k] = env[k]!;
    } else out[k] = String(v);
  }
  return out;
}

export function parsePort(p: unknown, service: string): PortSpec {
  if (isMap(p)) {
    return {
      hostIp: p.host_ip ?? '',
      hostPort: p.published === undefined ? '' : String(p.published),
      containerPort: String(p.target),
      protocol: p.protocol ?? 'tcp',
    };
  }
  const text = String(p);
  const [spec, protocol = 'tcp'] = text.split('/');
  const parts = spec.split(':');
  const [hostIp, hostPort, containerPort] =
    parts.length === 3 ? parts : parts.length === 2 ? ['', parts[0], parts[1]] : parts.length === 1 ? ['', '', parts[0]] : [];
  if (!containerPort || !/^\d+$/.test(containerPort) || (hostPort && !/^\d+$/.test(hostPort))) {
    throw usageError(
      `service ${service}: cannot read the port mapping "${text}"`,
      'Use "HOST_IP:HOST_PORT:CONTAINER_PORT" with numbers (is a port variable empty?).',
    );
  }
  return { hostIp, hostPort, containerPort, protocol };
}

function parseMount(v: unknown, service: string, workingDir: string): MountSpec {
  if (isMap(v)) {
    const type = v.type === 'bind' ? 'bind' : 'volume';
    return {
      type,
      source: type === 'bind' ? resolve(workingDir, String(v.source)) : String(v.source),
      target: String(v.target),
      readOnly: !!v.read_only,
    };
  }
  const [source, target, mode] = String(v).split(':');
  if (!target) throw usageError(`service ${service}: anonymous volume "${v}" is not supported; name it`);
  const bind = source.startsWith('.') || source.startsWith('~') || isAbsolute(source);
  return { type: bind ? 'bind' : 'volume', source: bind ? resolve(workingDir, source) : source, target, readOnly: mode === 'ro' };
}

function parseHealth(h: Tree | undefined, service: string): HealthSpec | undefined {
  if (!h) return undefined;
  if (h.disable) return { test: ['NONE'] };
  const test = typeof h.test === 'string' ? ['CMD-SHELL', h.test] : (h.test ?? []).map(String);
  const ns = (field: string) => (h[field] === undefined ? undefined : parseDuration(String(h[field]), `${service} healthcheck ${field}`));
  return { test, intervalNs: ns('interval'), timeoutNs: ns('timeout'), retries: h.retries, startPeriodNs: ns('start_period') };
}

function parseDependsOn(d: unknown): ComposeService['dependsOn'] {
  if (!d) return [];
  if (Array.isArray(d)) return d.map((service) => ({ service: String(service), condition: 'service_started' as const, restart: false }));
  return Object.entries(d as Tree).map(([service, spec]) => ({
    service,
    condition: (spec?.condition ?? 'service_started') as DependsCondition,
    restart: Boolean(spec?.restart),
  }));
}
