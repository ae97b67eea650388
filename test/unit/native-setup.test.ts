import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { CqrsError } from '../../src/errors.ts';
import { silentProgress } from '../../src/progress.ts';
import { missingPieces, setupNative } from '../../src/runtime/native/setup.ts';

/** Runs `fn` with a PATH on which neither java nor mvn can be found. */
async function withoutJavaAndMaven<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = mkdtempSync(join(tmpdir(), 'cqrsctl-empty-path-'));
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

const freshCache = () => loadConfig({ env: { CQRSCTL_CACHE: mkdtempSync(join(tmpdir(), 'cqrsctl-cache-')) }, cwd: tmpdir() });

test('missing Java and Maven are named with the Debian packages that bring them', async () => {
  const { packages, jars } = await withoutJavaAndMaven(() => missingPieces(freshCache()));
  assert.equal(jars, true, 'an empty cache has no jars');
  assert.deepEqual(
    packages.flatMap((m) => m.packages),
    ['openjdk-17-jre-headless', 'maven'],
  );
});

test('without root, setup says exactly what to install and installs nothing', async () => {
  const error = await withoutJavaAndMaven(() =>
    setupNative(freshCache(), silentProgress, { root: false }).then(
      () => undefined,
      (e: unknown) => e,
    ),
  );
  assert.ok(error instanceof CqrsError, String(error));
  assert.equal(error.exitCode, 2);
  assert.match(
    error.message,
    /the native runtime needs Java 17 or newer, Maven \(to fetch the Kafka and Debezium jars\), which this machine lacks/,
  );
  assert.match(error.hint ?? '', /sudo apt-get install -y openjdk-17-jre-headless maven/);
});
