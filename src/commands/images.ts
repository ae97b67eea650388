import type { Command } from 'commander';
import { buildOfflineImages } from '../runtime/docker/build/offline-images.ts';
import { renderTable } from '../ui/table.ts';
import { contextOf, printJson } from './context.ts';

/** `cqrsctl images build [--force]`: the stand-in images for machines with no image registry. */
export default async function imagesBuild(opts: { force?: boolean; json?: boolean }, command: Command) {
  const { config, progress, json } = contextOf(command, { stack: 'report' });
  const results = await buildOfflineImages(config, progress, { force: Boolean(opts.force) });
  if (json) return printJson(results);
  process.stdout.write(
    `${renderTable(
      ['image', 'action', 'seconds'],
      results.map((r) => [r.image, r.action, r.seconds.toFixed(1)]),
    )}\n`,
  );
  progress.info('The docker runtime uses these where the upstream images cannot be pulled. Next: cqrsctl up --runtime docker');
}
