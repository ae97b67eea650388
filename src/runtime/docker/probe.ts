import type { Config } from '../../config/config.ts';
import { errorMessage } from '../../errors.ts';
import { loadCompose } from './compose-file.ts';
import { connectEngine, engineAddress, pingEngine } from './engine.ts';
import { imagesOf, missingImages, pullable } from './images.ts';
import { composeFile, offlineOverrideFile } from './paths.ts';
import { composeVariables } from './services.ts';

/**
 * For `--runtime auto`: ok when an engine answers and the stack's images are present, the offline
 * stand-ins are built, or the registry answers for the missing ones. The reason is shown by `status`.
 */
export async function dockerAvailable(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<{ ok: boolean; reason: string }> {
  const docker = connectEngine(env);
  try {
    await pingEngine(docker, env);
  } catch {
    return { ok: false, reason: `no Docker engine answers at ${engineAddress(env)}` };
  }
  try {
    const vars = { ...env, ...composeVariables(config) };
    const upstream = imagesOf(loadCompose([composeFile], { env: vars }));
    const missing = await missingImages(docker, upstream);
    if (!missing.length) return { ok: true, reason: "a Docker engine answers and the stack's images are present" };
    const offline = imagesOf(loadCompose([composeFile, offlineOverrideFile], { env: vars }));
    if (!(await missingImages(docker, offline)).length)
      return { ok: true, reason: 'a Docker engine answers and the offline images are built' };
    if (await pullable(docker, missing[0])) return { ok: true, reason: "a Docker engine answers and the stack's images can be pulled" };
    return {
      ok: false,
      reason: `a Docker engine answers but ${missing[0]} is neither present nor pullable (run \`cqrsctl images build\`)`,
    };
  } catch (e) {
    return { ok: false, reason: `the Docker engine answers but the stack cannot be checked: ${errorMessage(e)}` };
  }
}
