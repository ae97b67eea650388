import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { CqrsError } from '../../../errors.ts';
import { followStream } from '../stream.ts';

/**
 * The Debian root filesystem every stand-in image starts from. It carries the runtime packages of all
 * three images (PostgreSQL 15, Java 17, curl) so the Dockerfiles need no network: one debootstrap run
 * fetches everything, and the images share this one layer.
 */
export const baseSpec = {
  image: 'cqrsctl/base:bookworm',
  suite: 'bookworm',
  mirror: process.env.CQRSCTL_DEBIAN_MIRROR || 'http://deb.debian.org/debian',
  packages: ['ca-certificates', 'curl', 'procps', 'postgresql-15', 'openjdk-17-jre-headless'],
} as const;

/** debootstrap → tar → `POST /images/create?fromSrc=-` (docker import), in a scratch directory removed afterwards. */
export async function buildBaseImage(docker: Docker, labels: Record<string, string>, update: (detail: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new CqrsError(
      'building the base image needs root: debootstrap makes device nodes and chroots',
      'Run `sudo cqrsctl images build`.',
    );
  }
  const which = await execa('debootstrap', ['--version'], { reject: false });
  if (which.exitCode !== 0)
    throw new CqrsError('debootstrap is not installed', 'Install it: `apt-get install debootstrap` (scripts/docker-engine.sh does).');

  const work = mkdtempSync(join(tmpdir(), 'cqrsctl-rootfs-'));
  const rootfs = join(work, 'rootfs');
  try {
    update('debootstrap (Debian packages)');
    const args = ['--variant=minbase', `--include=${baseSpec.packages.join(',')}`, baseSpec.suite, rootfs, baseSpec.mirror];
    const boot = execa('debootstrap', args, { all: true, reject: false });
    boot.all?.on('data', (chunk: Buffer) => {
      const line = chunk.toString().trim().split('\n').pop();
      if (line) update(`debootstrap: ${line.replace(/^I: /, '')}`);
    });
    const r = await boot;
    if (r.exitCode !== 0) {
      throw new CqrsError(
        `debootstrap failed (exit ${r.exitCode}):\n${String(r.all).split('\n').slice(-15).join('\n')}`,
        `Check that ${baseSpec.mirror} is reachable (CQRSCTL_DEBIAN_MIRROR points elsewhere).`,
      );
    }
    // Downloaded .debs and package lists are not needed at run time; they would only make the layer bigger.
    await execa('sh', ['-c', `rm -rf "${rootfs}"/var/cache/apt/archives/*.deb "${rootfs}"/var/lib/apt/lists/* "${rootfs}"/tmp/*`]);

    update('importing the root filesystem');
    const tar = execa('tar', ['--numeric-owner', '-C', rootfs, '-c', '.'], { buffer: false, stderr: 'pipe' });
    const [repo, tag] = baseSpec.image.split(':');
    const changes = ['ENV LANG=C.UTF-8', 'CMD ["/bin/bash"]', ...Object.entries(labels).map(([k, v]) => `LABEL ${k}=${v}`)];
    const stream = await docker.importImage(tar.stdout!, { repo, tag, changes, message: `debootstrap ${baseSpec.suite}` } as object);
    await followStream(docker, stream);
    await tar;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
