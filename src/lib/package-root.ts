import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/**
 * The checkout (or installed package) root. Found by walking up rather than by a fixed `../..`: this module
 * runs from src/lib under tsx but from a chunk of the dist/ bundle otherwise, at another depth. Files read at
 * run time (the connector template, pom.xml, compose/, the dashboard page) are read from their place in the
 * source tree, which ships with the package.
 */
export const packageRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

export const packagePath = (...parts: string[]) => join(packageRoot, ...parts);
