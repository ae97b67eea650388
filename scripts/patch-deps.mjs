// Patches a dependency bug that kills the replicator, until upstream ships a fix; run by `prepare` (so by
// every `npm install`/`npm ci`) before the build bundles the patched file. Idempotent.
//
// postgres 3.4.9 (porsager/postgres#1154, #1208): a write queued for the next tick (setImmediate) runs after
// the connection closed, finds `socket` null and throws from a timer — an uncaught TypeError that ends the
// process. A replica server stopping under load is enough. Patched: the late write fails the connection's
// queries with CONNECTION_CLOSED instead, which the replicator already handles (the replica catches up later).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const marker = '/* cqrsctl: closed before the write */';
const find = 'function nextWrite(fn) {\n';
const replacement = `${find}    if (!socket) { ${marker}\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n`;

for (const variant of ['src', 'cjs/src', 'cf/src']) {
  const file = `${root}node_modules/postgres/${variant}/connection.js`;
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8');
  if (text.includes(marker)) continue;
  if (!text.includes(find)) {
    console.warn(`patch-deps: ${file} has no "${find.trim()}" (a newer postgres?); check whether #1154 is fixed there`);
    continue;
  }
  writeFileSync(file, text.replace(find, replacement));
}
