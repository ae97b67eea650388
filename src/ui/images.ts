import type { ChalkInstance } from 'chalk';
import type { BuildResult } from '../runtime/docker/build/offline-images.ts';
import { renderTable } from './table.ts';

/** `images build`: what happened to each image, and how long it took. */
export const renderImages = (results: BuildResult[], color: ChalkInstance): string =>
  `${renderTable(
    ['image', 'action', 'seconds'],
    results.map((r) => [r.image, r.action, r.seconds.toFixed(1)]),
    color,
  )}\n`;
