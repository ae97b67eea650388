import { execa } from 'execa';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { Config } from '../../config/config.ts';
import { usageError } from '../../errors.ts';
import type { Progress } from '../../progress.ts';
import { runningAsRoot } from './as-postgres.ts';
import { packageRoot } from '../../lib/package-root.ts';
import { debeziumVersion, fetchJars, kafkaVersion, pomPath } from '../jars.ts';
import { layout } from './layout.ts';

export const pgBinDir = '/usr/lib/postgresql/15/bin';
const pom = pomPath(packageRoot);

interface Missing {
  what: string;
  packages: string[];
}

/** What the native runtime lacks on this machine; empty when `up` can go ahead. */
export async function missingPieces(config: Config): Promise<{ packages: Missing[]; jars: boolean }> {
  const packages: Missing[] = [];
  if (!existsSync(`${pgBinDir}/initdb`)) packages.push({ what: 'PostgreSQL 15 server', packages: ['postgresql-15'] });
  if ((await javaMajor()) < 17) packages.push({ what: 'Java 17 or newer', packages: ['openjdk-17-jre-headless'] });
  const jars = !existsSync(layout(config).jarsReady);
  if (jars && !(await has('mvn'))) packages.push({ what: 'Maven (to fetch the Kafka and Debezium jars)', packages: ['maven'] });
  return { packages, jars };
}

/** Installs what is missing, saying what it does; quick when everything is there already. */
export async function setupNative(config: Config, progress: Progress, options: { root?: boolean } = {}): Promise<void> {
  const { packages, jars } = await missingPieces(config);
  if (packages.length > 0) {
    const names = packages.flatMap((m) => m.packages);
    const what = packages.map((m) => m.what).join(', ');
    if (!(options.root ?? runningAsRoot())) {
      throw usageError(
        `the native runtime needs ${what}, which this machine lacks`,
        `Install them with \`sudo apt-get install -y ${names.join(' ')}\` (Debian/Ubuntu), then run \`cqrsctl setup\` again.`,
      );
    }
    await progress.step(`Installing ${names.join(', ')} from Debian packages`, async (update) => {
      update('apt-get update');
      await run('apt-get', ['update', '-q']);
      update(`apt-get install ${names.join(' ')}`);
      await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...names], { DEBIAN_FRONTEND: 'noninteractive' });
    });
  }
  if (jars) {
    const l = layout(config);
    await progress.step(`Fetching Kafka ${kafkaVersion}, Kafka Connect and Debezium ${debeziumVersion} jars with Maven`, async () => {
      mkdirSync(config.settings.cache, { recursive: true });
      await fetchJars(pom, config.settings.cache);
      if (!existsSync(l.kafkaLibs) || !existsSync(l.pluginPath))
        throw usageError('Maven finished but the jars are not where expected', `Look in ${config.settings.cache}.`);
      writeFileSync(l.jarsReady, new Date().toISOString());
    });
  }
}

async function javaMajor(): Promise<number> {
  const r = await execa('java', ['-version'], { reject: false });
  if (r.failed && r.exitCode === undefined) return 0;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr);
  if (!m) return 0;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

const has = async (command: string) => (await execa('sh', ['-c', `command -v ${command}`], { reject: false })).exitCode === 0;

async function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await execa(command, args, { reject: false, all: true, env });
  if (r.exitCode !== 0) {
    const tail = (r.all ?? '').split('\n').slice(-15).join('\n');
    throw usageError(
      `\`${command} ${args.join(' ')}\` failed (exit ${r.exitCode}):\n${tail}`,
      'Fix the cause shown above, then run `cqrsctl setup` again.',
    );
  }
}
