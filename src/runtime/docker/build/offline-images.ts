import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { Config } from '../../../config/config.ts';
import { CqrsError, errorMessage } from '../../../errors.ts';
import type { Progress } from '../../../progress.ts';
import { connectEngine, isNotFound, pingEngine } from '../engine.ts';
import { packageRoot } from '../../../lib/package-root.ts';
import { imagesDir } from '../paths.ts';
import { followStream } from '../stream.ts';
import { baseSpec, buildBaseImage } from './base-rootfs.ts';
import { debeziumVersion, ensureJars, kafkaVersion, pomPath, type JarDirs } from '../../jars.ts';

const contentHashLabel = 'dev.cqrsctl.content-hash';

interface ImageSpec {
  image: string;
  /** compose/images/<dir>; none for the debootstrap base. */
  dir?: string;
  parent?: string;
  /** Extra directories staged into the build context: context path → host directory. */
  stage?: (jars: JarDirs) => Record<string, string>;
  needsJars?: boolean;
}

/** The stand-ins, parents first. Their tags are those docker-compose.offline.yml names. */
const offlineImages: ImageSpec[] = [
  { image: baseSpec.image },
  { image: 'cqrsctl/postgres:15', dir: 'postgres', parent: baseSpec.image },
  { image: `cqrsctl/kafka:${kafkaVersion}`, dir: 'kafka', parent: baseSpec.image, needsJars: true, stage: (j) => ({ libs: j.libs }) },
  {
    image: `cqrsctl/connect:${debeziumVersion}`,
    dir: 'connect',
    parent: `cqrsctl/kafka:${kafkaVersion}`,
    needsJars: true,
    stage: (j) => ({ plugins: j.plugins }),
  },
];

export interface BuildResult {
  image: string;
  action: 'built' | 'up to date';
  seconds: number;
}

/**
 * Builds every stand-in image whose content hash (its Dockerfile directory, the jar pom, its parent's
 * hash) differs from the label on the image in the engine; the rest are skipped, so a re-run with
 * nothing changed costs a few inspects.
 */
export async function buildOfflineImages(
  config: Config,
  progress: Progress,
  options: { force?: boolean; docker?: Docker } = {},
): Promise<BuildResult[]> {
  const docker = options.docker ?? connectEngine();
  await pingEngine(docker);
  const hashes = new Map<string, string>();
  const results: BuildResult[] = [];
  let jars: JarDirs | undefined;
  for (const spec of offlineImages) {
    const hash = contentHash(spec, spec.parent ? hashes.get(spec.parent)! : '');
    hashes.set(spec.image, hash);
    const started = Date.now();
    if (!options.force && (await labelOf(docker, spec.image)) === hash) {
      results.push({ image: spec.image, action: 'up to date', seconds: 0 });
      continue;
    }
    await progress.step(`Building ${spec.image}`, async (update) => {
      const labels = { [contentHashLabel]: hash, 'dev.cqrsctl.managed': 'true' };
      if (!spec.dir) return buildBaseImage(docker, labels, update);
      if (spec.needsJars) jars ??= await ensureJars(packageRoot, config.settings.cache, update);
      await buildFromDockerfile(docker, spec, labels, jars, update);
    });
    results.push({ image: spec.image, action: 'built', seconds: (Date.now() - started) / 1000 });
  }
  return results;
}

async function labelOf(docker: Docker, image: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(image).inspect()).Config?.Labels?.[contentHashLabel];
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

function contentHash(spec: ImageSpec, parentHash: string): string {
  const h = createHash('sha256').update(`v1\n${spec.image}\n${parentHash}\n`);
  if (!spec.dir) h.update(JSON.stringify({ ...baseSpec, mirror: undefined }));
  else for (const file of listFiles(join(imagesDir, spec.dir))) h.update(`${file}\n`).update(readFileSync(join(imagesDir, spec.dir, file)));
  // The jars are a function of the pom, so hashing it stands for hashing 200 MB of jars.
  if (spec.needsJars) h.update(readFileSync(pomPath(packageRoot)));
  return h.digest('hex');
}

function listFiles(dir: string, root = dir): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path, root) : [relative(root, path)];
    });
}

async function buildFromDockerfile(
  docker: Docker,
  spec: ImageSpec,
  labels: Record<string, string>,
  jars: JarDirs | undefined,
  update: (d: string) => void,
): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), `cqrsctl-build-${spec.dir}-`));
  try {
    cpSync(join(imagesDir, spec.dir!), context, { recursive: true });
    for (const [target, source] of Object.entries(spec.stage && jars ? spec.stage(jars) : {}))
      cpSync(source, join(context, target), { recursive: true });
    update('sending the build context');
    // No `pull` and no `version`: the classic builder resolves FROM cqrsctl/base locally, never at a registry.
    const stream = await docker.buildImage({ context, src: readdirSync(context) }, { t: spec.image, labels, rm: true, forcerm: true });
    const tail: string[] = [];
    await followStream(docker, stream, (e) => {
      const line = e.stream?.trim();
      if (!line) return;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (line.startsWith('Step ')) update(line);
    }).catch((e) => {
      throw new CqrsError(
        `building ${spec.image} failed: ${errorMessage(e)}\n${tail.join('\n')}`,
        `Fix compose/images/${spec.dir}/ and run \`cqrsctl images build\` again.`,
      );
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
