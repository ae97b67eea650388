import type { Config } from '../config/config.ts';
import { readDataRuntimeIn, readStackRecordIn, type StackRecord } from '../config/stack-record.ts';
import { createExternalRuntime } from './external/index.ts';
import { createNativeRuntime } from './native/index.ts';
import type { Runtime } from './runtime.ts';

export type { StackRecord };

/** What the last `up` in this state dir chose, so later commands talk to the same runtime. */
export const readStackRecord = (config: Config): StackRecord | undefined => readStackRecordIn(config.settings.home);

/**
 * The runtime for this command. An explicit runtime wins; with `auto`, a stack that is already up keeps
 * its runtime, and so does a stopped one whose data the state dir still holds; otherwise docker when an
 * engine answers and the images are there, else native.
 */
export async function selectRuntime(config: Config): Promise<Runtime> {
  const wanted = config.settings.runtime;
  const source = config.sources.runtime;
  const chosen =
    source.kind === 'flag'
      ? `--runtime ${wanted}`
      : source.kind === 'env'
        ? `${source.label}=${wanted}`
        : source.kind === 'file'
          ? source.label
          : wanted;
  const explicit = `selected with ${chosen}`;
  if (wanted !== 'auto') return create(config, wanted, explicit);
  const record = readStackRecord(config);
  // The record keeps the reason of the `up` that first chose the runtime, so this never nests.
  if (record)
    return create(config, record.runtime, `auto: the stack in ${config.settings.home} runs on ${record.runtime} (${record.reason})`);
  const kept = readDataRuntimeIn(config.settings.home);
  if (kept)
    return create(
      config,
      kept,
      `auto: the data in ${config.settings.home} belongs to the ${kept} runtime (kept by \`down\`; \`down --purge\` deletes it)`,
    );
  const docker = await import('./docker/index.ts');
  const probe = await docker.dockerAvailable(config);
  if (probe.ok) return docker.createDockerRuntime(config, `auto: ${probe.reason}`);
  return createNativeRuntime(config, `auto: ${probe.reason}, so native processes`);
}

async function create(config: Config, name: StackRecord['runtime'], reason: string): Promise<Runtime> {
  if (name === 'native') return createNativeRuntime(config, reason);
  if (name === 'external') return createExternalRuntime(config, reason);
  return (await import('./docker/index.ts')).createDockerRuntime(config, reason);
}
