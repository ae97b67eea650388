import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { CqrsError } from '../errors.ts';

export const kafkaVersion = '4.3.1';
export const debeziumVersion = '3.6.1.Final';

/** The one jar set both runtimes use (the native one runs it, the docker images copy it), from one pom. */
export const pomPath = (repoRoot: string) => resolve(repoRoot, 'src/runtime/native/pom.xml');

export interface JarDirs {
  libs: string;
  plugins: string;
}

export const jarDirs = (cache: string): JarDirs => ({
  libs: join(cache, `kafka-${kafkaVersion}`, 'libs'),
  plugins: join(cache, `debezium-${debeziumVersion}`, 'plugins'),
});

/** Runs Maven once when the cache lacks the jars; a filled cache (the native runtime's too) is reused as is. */
export async function ensureJars(repoRoot: string, cache: string, update: (detail: string) => void): Promise<JarDirs> {
  const dirs = jarDirs(cache);
  const filled = (dir: string) => existsSync(dir) && readdirSync(dir).length > 0;
  if (filled(dirs.libs) && filled(join(dirs.plugins, 'debezium-connector-postgres'))) return dirs;
  update('resolving Kafka and Debezium jars with Maven');
  await fetchJars(pomPath(repoRoot), cache);
  return dirs;
}

/** Resolves the pom's jars into the cache with Maven (the one Maven call). */
export async function fetchJars(pom: string, cache: string): Promise<void> {
  const r = await execa('mvn', ['-q', '-B', '-f', pom, 'package', `-Dcqrsctl.cache=${cache}`], { all: true, reject: false });
  if (r.exitCode !== 0) {
    throw new CqrsError(
      `Maven could not resolve the Kafka/Debezium jars (exit ${r.exitCode}):\n${String(r.all).split('\n').slice(-15).join('\n')}`,
      'Check that Maven Central is reachable and `mvn` is installed (apt-get install maven).',
    );
  }
}
