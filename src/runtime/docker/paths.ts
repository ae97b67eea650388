import { join } from 'node:path';
import { packageRoot } from '../../lib/package-root.ts';

const composeDir = join(packageRoot, 'compose');
export const composeFile = join(composeDir, 'docker-compose.yml');
/** Swaps in the stand-in images of `cqrsctl images build`. */
export const offlineOverrideFile = join(composeDir, 'docker-compose.offline.yml');
export const imagesDir = join(composeDir, 'images');
