import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The checkout (or installed package) root: compose/ and the native pom live under it. */
export const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
const composeDir = join(packageRoot, 'compose');
export const composeFile = join(composeDir, 'docker-compose.yml');
/** Swaps in the stand-in images of `cqrsctl images build`. */
export const offlineOverrideFile = join(composeDir, 'docker-compose.offline.yml');
export const imagesDir = join(composeDir, 'images');
