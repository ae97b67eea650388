// Compiles src/ to dist/ (one .js per .ts, same tree, other files copied) so bin/cqrsctl starts without
// transpiling. esbuild transpiles exactly as tsx does (type checking is `npm run typecheck`'s job) and
// takes well under a second, which lets scripts/test.sh and `npm install` (prepare) always build.
//
// bin/cqrsctl runs dist/ only when dist/.built-at names a time after every file under src/ was last
// changed; so the stamp is removed before writing and, when done, records when the build *started*: a
// file edited while the build ran is newer than the stamp and sends bin/cqrsctl back to tsx.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const stamp = join(dist, '.built-at');

const startedAt = Date.now();
mkdirSync(dist, { recursive: true });
rmSync(stamp, { force: true });

const files = readdirSync(src, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath, e.name));
const sources = files.filter((f) => f.endsWith('.ts'));

const result = await build({
  entryPoints: sources,
  outbase: src,
  outdir: dist,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  bundle: true,
  write: false,
  logLevel: 'warning',
  plugins: [
    {
      // Bundling only to rewrite specifiers: every import stays an import, relative ones of ./x.ts become ./x.js.
      name: 'one-file-per-module',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          return { path: args.path.replace(/\.ts$/, '.js'), external: true };
        });
      },
    },
  ],
});

// Each file lands whole (written beside, then renamed), so a cqrsctl started during a build never reads half a module.
const put = (target, write) => {
  mkdirSync(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.tmp`;
  write(temp);
  renameSync(temp, target);
};
for (const out of result.outputFiles) put(out.path, (temp) => writeFileSync(temp, out.contents));
// Assets read at run time next to their module (e.g. runtime/native/pom.xml).
for (const f of files.filter((f) => !f.endsWith('.ts'))) put(join(dist, relative(src, f)), (temp) => copyFileSync(f, temp));

writeFileSync(stamp, `${startedAt}\n`);
