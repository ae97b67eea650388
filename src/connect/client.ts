import { setTimeout as sleep } from 'node:timers/promises';
import { CqrsError } from '../errors.ts';

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: { id: number; state: string; worker_id: string; trace?: string }[];
  type?: string;
}

/**
 * Kafka Connect's REST API, with its failures turned into messages a user can act on. Given every worker of
 * a group, it asks the next one when a worker does not answer: any worker answers for the whole group.
 */
export class ConnectClient {
  private readonly urls: string[];
  private current = 0;

  /** timeoutMs bounds each request, 409 retries included; a quick look (`status`) passes a short one. */
  constructor(
    urls: string | string[],
    private readonly timeoutMs = 30_000,
  ) {
    this.urls = typeof urls === 'string' ? [urls] : urls;
  }

  /** The worker asked last (the one that answered, if any did). */
  get url(): string {
    return this.urls[this.current]!;
  }

  connectors = () => this.request<string[]>('GET', '/connectors');
  status = (name: string) => this.request<ConnectorStatus>('GET', `/connectors/${enc(name)}/status`);
  config = (name: string) => this.request<Record<string, string>>('GET', `/connectors/${enc(name)}/config`);
  /** Creates or updates; Connect answers 201 for a new connector and 200 for an update. */
  putConfig = (name: string, config: Record<string, string>) =>
    this.request<{ name: string }>('PUT', `/connectors/${enc(name)}/config`, config);
  restart = (name: string) => this.request<unknown>('POST', `/connectors/${enc(name)}/restart?includeTasks=true&onlyFailed=false`);
  pause = (name: string) => this.request<unknown>('PUT', `/connectors/${enc(name)}/pause`);
  resume = (name: string) => this.request<unknown>('PUT', `/connectors/${enc(name)}/resume`);
  delete = (name: string) => this.request<unknown>('DELETE', `/connectors/${enc(name)}`);

  async exists(name: string): Promise<boolean> {
    return (await this.connectors()).includes(name);
  }

  /**
   * Connect answers 409 while its workers rebalance; such requests are retried for up to timeoutMs. Other 4xx
   * answers become errors carrying Connect's own message.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      let response: Response;
      try {
        response = await this.fetchAny(method, path, body, deadline);
      } catch (e) {
        throw new CqrsError(
          `couldn't reach Kafka Connect at ${this.url} (${(e as Error).cause ? String(((e as Error).cause as Error).message) : (e as Error).message})`,
          'Is the stack up? `cqrsctl status` shows every service; `cqrsctl up` starts them.',
          2,
          { cause: e },
        );
      }
      const text = await response.text();
      if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
      if (response.status === 409 && Date.now() < deadline) {
        await sleep(1000);
        continue;
      }
      throw connectError(method, path, response.status, text);
    }
  }

  /** Tries each worker once, starting with the one that answered last; rethrows the last worker's failure. */
  private async fetchAny(method: string, path: string, body: unknown, deadline: number): Promise<Response> {
    for (let tried = 1; ; tried++) {
      try {
        return await fetch(this.url + path, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        });
      } catch (e) {
        if (tried >= this.urls.length || Date.now() >= deadline) throw e;
        this.current = (this.current + 1) % this.urls.length;
      }
    }
  }
}

const enc = encodeURIComponent;

/** A refusal from Connect; `status` lets callers treat e.g. 404 as "not there yet". */
export class ConnectHttpError extends CqrsError {
  constructor(
    readonly status: number,
    message: string,
    hint: string | undefined,
    exitCode: 1 | 2,
  ) {
    super(message, hint, exitCode);
  }
}

function connectError(method: string, path: string, status: number, text: string): ConnectHttpError {
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    // not JSON: keep the text
  }
  const what = `Kafka Connect refused ${method} ${path} (HTTP ${status}): ${message}`;
  if (status === 404) return new ConnectHttpError(status, what, 'The connector is not registered; `cqrsctl up` registers it.', 1);
  if (status === 409) return new ConnectHttpError(status, what, 'Connect kept rebalancing for 30 s; try again in a moment.', 1);
  if (status >= 500) return new ConnectHttpError(status, what, "See `cqrsctl logs connect` for the worker's side of it.", 1);
  return new ConnectHttpError(status, what, undefined, 2);
}
