import type Docker from 'dockerode';
import { CqrsError, errorMessage } from '../../errors.ts';
import type { ComposeProject } from './compose-file.ts';
import { isNotFound } from './engine.ts';
import { followStream, pullSummary, type ProgressEvent } from './stream.ts';

export const imagesOf = (p: ComposeProject) => [...new Set(Object.values(p.services).map((s) => s.image))];

/** Image ID of a tag in the engine, or undefined when it is not there. */
export async function imageId(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export async function missingImages(docker: Docker, refs: string[]): Promise<string[]> {
  const ids = await Promise.all(refs.map((r) => imageId(docker, r)));
  return refs.filter((_, i) => !ids[i]);
}

const buildHint =
  'Run `cqrsctl images build` to build stand-in images with no registry (Debian packages and Maven jars), then `cqrsctl up --runtime docker` again.';

/**
 * Pulls one image with progress. pull() resolves when the stream starts, and a failed pull may still
 * answer HTTP 200 with an `{error}` line, so the stream is followed to its end and checked.
 */
async function pullImage(docker: Docker, ref: string, update: (detail: string) => void): Promise<void> {
  const layers = new Map<string, ProgressEvent>();
  try {
    const stream = await docker.pull(ref);
    await followStream(docker, stream, (e) => {
      if (e.id) layers.set(e.id, e);
      update(`${ref}: ${pullSummary(layers)}`);
    });
  } catch (e) {
    throw new CqrsError(`image ${ref} is not in the engine and cannot be pulled: ${errorMessage(e).split('\n')[0]}`, buildHint, 2, {
      cause: e,
    });
  }
}

/**
 * Picks the image set for `up`: the upstream images when all are present, else the offline stand-ins
 * when those are all built, else pulls the missing upstream ones. Returns whether the stand-ins are used.
 */
export async function chooseImages(
  docker: Docker,
  upstream: ComposeProject,
  offline: ComposeProject,
  update: (detail: string) => void,
): Promise<{ offline: boolean; why: string }> {
  const missingUpstream = await missingImages(docker, imagesOf(upstream));
  if (!missingUpstream.length) return { offline: false, why: 'upstream images present' };
  const missingOffline = await missingImages(docker, imagesOf(offline));
  if (!missingOffline.length) return { offline: true, why: 'offline stand-in images (cqrsctl images build)' };
  for (const ref of missingUpstream) await pullImage(docker, ref, update);
  return { offline: false, why: 'upstream images pulled' };
}

/** Can the registry be asked about the image (without pulling)? Bounded: an offline machine must not hang here. */
export async function pullable(docker: Docker, ref: string, timeoutMs = 4000): Promise<boolean> {
  try {
    await Promise.race([
      docker.getImage(ref).distribution({}),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}
