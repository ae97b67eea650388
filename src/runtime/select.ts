import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import { createExternalRuntime } from './external/index.ts';
import { createNativeRuntime } from './native/index.ts';
import type { Runtime, RuntimeName } from './runtime.ts';

export interface StackRecord {
  runtime: RuntimeName;
  reason: string;
  since: string;
}

export const stackFile = (config: Config) => join(config.settings.home, 'stack.json');

/** What the last `up` in this state dir chose, so later commands talk to the same runtime. */
export function readStackRecord(config: Config): StackRecord | undefined {
  const file = stackFile(config);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackRecord;
  } catch {
    return undefined;
  }
}

/**
 * The runtime for this command. An explicit --runtime wins; with `auto`, a stack that is already up keeps
 * its runtime; otherwise docker when an engine answers and the images are there, else native.
 */
export async function selectRuntime(config: Config): Promise<Runtime> {
  const wanted = config.settings.runtime;
  if (wanted === 'native') return createNativeRuntime(config);
  if (wanted === 'external') return createExternalRuntime(config);
  if (wanted === 'docker') return (await import('./docker/index.ts')).createDockerRuntime(config, 'selected with --runtime docker');
  const record = readStackRecord(config);
  if (record) {
    const reason = `auto: the stack in ${config.settings.home} was brought up with ${record.runtime} (${record.reason})`;
    if (record.runtime === 'native') return createNativeRuntime(config, reason);
    if (record.runtime === 'docker') return (await import('./docker/index.ts')).createDockerRuntime(config, reason);
    return createExternalRuntime(config);
  }
  const docker = await import('./docker/index.ts');
  const probe = await docker.dockerAvailable(config);
  if (probe.ok) return docker.createDockerRuntime(config, `auto: ${probe.reason}`);
  return createNativeRuntime(config, `auto: ${probe.reason}, so native processes`);
}
