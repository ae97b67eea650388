// Bundles src/cli.ts and what it imports (node_modules included) into dist/, one chunk per lazily imported
// command and per piece shared between them, so bin/cqrsctl starts without transpiling and without
// resolving and reading several hundred module files: on a 2-core machine that resolution was a quarter
// of `status --json` (137 of 483 ms). esbuild transpiles exactly as tsx does (type checking is
// `npm run typecheck`'s job) in well under a second, which lets scripts/test.sh and `npm install`
// (prepare) always build.
//
// bin/cqrsctl runs dist/ only when dist/.built-at names a time after every file under src/ was last
// changed; so the stamp is removed before writing and, when done, records when the build *started*: a
// file edited while the build ran is newer than the stamp and sends bin/cqrsctl back to tsx.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const stamp = join(dist, '.built-at');

const startedAt = Date.now();
mkdirSync(dist, { recursive: true });
rmSync(stamp, { force: true });

const result = await build({
  entryPoints: [join(root, 'src/cli.ts')],
  outdir: dist,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  bundle: true,
  splitting: true,
  // dockerode reaches native addons (ssh2, cpu-features) that cannot be bundled; it loads from node_modules.
  external: ['dockerode'],
  // CommonJS packages bundled into ESM still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __cqrsctlRequire } from 'node:module'; const require = __cqrsctlRequire(import.meta.url);" },
  write: false,
  logLevel: 'warning',
});

// Each file lands whole (written beside, then renamed), so a cqrsctl started during a build never reads half a
// module. Chunks of earlier builds (their names carry a content hash) stay a day: a daemon started from one
// may still import a command's chunk lazily.
const put = (target, contents) => {
  mkdirSync(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, target);
};
for (const out of result.outputFiles) put(out.path, out.contents);
const written = new Set(result.outputFiles.map((out) => out.path));
const dayAgo = startedAt - 86_400_000;
for (const e of readdirSync(dist, { withFileTypes: true })) {
  const path = join(dist, e.name);
  // Anything else at the top is left from the one-file-per-module layout of earlier versions.
  if (e.name !== 'chunks' && e.name !== 'cli.js' && path !== stamp) rmSync(path, { recursive: true, force: true });
}
for (const name of readdirSync(join(dist, 'chunks'))) {
  const path = join(dist, 'chunks', name);
  if (!written.has(path) && statSync(path).mtimeMs < dayAgo) rmSync(path, { force: true });
}

writeFileSync(stamp, `${startedAt}\n`);
