import { execa } from 'execa';
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/cli.ts';

const cqrsctl = (...args: string[]) => execa(join(repoRoot, 'bin/cqrsctl'), args, { reject: false, env: { NO_COLOR: '1' } });
const build = () => execa(process.execPath, [join(repoRoot, 'scripts/build.mjs')]);

// bin/cqrsctl runs dist/ only while it is current: a build made older than the sources by an edit must
// never run. The build is marked here so the output tells which of the two ran.
test('bin/cqrsctl runs the build while it is current and the sources once one is edited', { timeout: 120_000 }, async () => {
  await build();
  try {
    const cli = join(repoRoot, 'dist/cli.js');
    writeFileSync(cli, `process.stderr.write('ran dist\\n');\n${readFileSync(cli, 'utf8')}`);
    const fresh = await cqrsctl('--version');
    assert.equal(fresh.exitCode, 0);
    assert.match(fresh.stderr, /ran dist/, 'a current build runs');

    const later = new Date(Date.now() + 2000);
    utimesSync(join(repoRoot, 'src/errors.ts'), later, later);
    const edited = await cqrsctl('--version');
    assert.equal(edited.exitCode, 0);
    assert.doesNotMatch(edited.stderr, /ran dist/, 'an edited source runs through tsx, not the older build');
    assert.match(edited.stdout, /^\d+\.\d+\.\d+/);
  } finally {
    const now = new Date();
    utimesSync(join(repoRoot, 'src/errors.ts'), now, now);
    await new Promise((r) => setTimeout(r, 2100));
    await build();
  }
});
