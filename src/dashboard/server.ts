import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/config.ts';
import { listen } from '../lib/http.ts';
import { packagePath } from '../lib/package-root.ts';
import { every } from '../lib/wait.ts';
import { CqrsError, errorMessage, ExitCode } from '../errors.ts';
import type { ChangeSummary } from '../replicator/follow.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { statusReport, type StatusReport } from '../stack/status.ts';
import { startFeed, type FeedState } from './feed.ts';
import { History, type Sample } from './history.ts';
import { readCommitToVisible } from './latency.ts';

/** How often the stack is looked at (each look is one `status`), and how much history the lag chart shows. */
const SAMPLE_MS = 2000;
const WINDOW_MS = 5 * 60_000;

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/** What /api/status answers and what a page receives first on /api/stream. */
export interface DashboardState {
  at: number;
  windowMs: number;
  sampleMs: number;
  status: StatusReport | null;
  history: Sample[];
  feed: FeedState;
}

// The page ships with the package and is read from disk once: nothing is fetched at run time.
const page = Object.fromEntries(
  (
    [
      ['/', 'index.html', 'text/html; charset=utf-8'],
      ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
      ['/style.css', 'style.css', 'text/css; charset=utf-8'],
    ] as const
  ).map(([path, file, type]) => [path, { type, body: readFileSync(packagePath('src', 'dashboard', 'page', file)) }]),
);

/**
 * Serves the dashboard on 127.0.0.1:dashboardPort: the page, /api/status (JSON) and /api/stream
 * (server-sent events: a snapshot, then each new sample and each change event). It looks at the stack with
 * the same status core as `cqrsctl status` every SAMPLE_MS, keeping WINDOW_MS of samples for the lag chart.
 */
export async function startDashboard(config: Config, runtime: Runtime, log: (line: string) => void): Promise<Dashboard> {
  const stop = new AbortController();
  const history = new History(WINDOW_MS);
  const clients = new Set<ServerResponse>();
  let status: StatusReport | null = null;
  const send = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of clients) res.write(frame);
  };

  const state = (): DashboardState => ({
    at: Date.now(),
    windowMs: WINDOW_MS,
    sampleMs: SAMPLE_MS,
    status,
    history: history.samples(),
    feed: feed.state,
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${errorMessage(e)}\n`);
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = req.url?.split('?')[0] ?? '/';
    if (req.method !== 'GET') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET' }).end('only GET\n');
    } else if (page[path]) {
      res.writeHead(200, { 'content-type': page[path].type, 'cache-control': 'no-cache' }).end(page[path].body);
    } else if (path === '/api/status') {
      while (status === null && !stop.signal.aborted) await sleep(100);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state()));
    } else if (path === '/api/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(state())}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the dashboard is at /\n');
    }
  }
  await listen(server, new URL(config.dashboardUrl).hostname, config.settings.dashboardPort).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE') {
      throw new CqrsError(
        `dashboard port ${config.settings.dashboardPort} is already in use`,
        'Another dashboard may be running; or move it with --dashboard-port / CQRSCTL_DASHBOARD_PORT.',
        ExitCode.usage,
        { cause: e },
      );
    }
    throw e;
  });

  // Only once the port is ours: a second dashboard fails above without touching the broker.
  const feed = startFeed(config, stop.signal, {
    change: (c: ChangeSummary) => send('change', c),
    state: (s) => {
      if (s.error) log(s.error);
      send('feed', { error: s.error });
    },
  });
  const sampling = every(
    SAMPLE_MS,
    async () => {
      try {
        const [report, latency] = await Promise.all([statusReport(config, runtime), readCommitToVisible(config)]);
        status = report;
        send('sample', { status, sample: history.add(report, Date.now(), latency) });
      } catch (e) {
        log(`status: ${errorMessage(e)}`);
      }
    },
    { signal: stop.signal },
  );

  return {
    url: config.dashboardUrl,
    async close() {
      stop.abort();
      for (const res of clients) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([sampling, feed.done]);
    },
  };
}
