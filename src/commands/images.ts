import type { Command } from 'commander';
import { buildOfflineImages } from '../runtime/docker/build/offline-images.ts';
import { renderImages } from '../ui/images.ts';
import { jsonText } from '../ui/output.ts';
import { contextOf } from './context.ts';

/** `cqrsctl images build [--force]`: the stand-in images for machines with no image registry. */
export default async function imagesBuild(opts: { force?: boolean; json?: boolean }, command: Command) {
  const { config, progress, json, output } = contextOf(command, { stack: 'report' });
  const results = await buildOfflineImages(config, progress, { force: Boolean(opts.force) });
  if (json) return output.out(jsonText(results));
  output.out(renderImages(results, output.color));
  progress.info('The docker runtime uses these where the upstream images cannot be pulled. Next: cqrsctl up --runtime docker');
}
