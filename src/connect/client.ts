import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/config.ts';
import { CqrsError } from '../errors.ts';
import { requestText, type HttpAnswer } from '../lib/http.ts';
import { readPem } from '../lib/kafka-client.ts';
import { debug } from '../lib/debug.ts';

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: { id: number; state: string; worker_id: string; trace?: string }[];
  type?: string;
}

export interface ConnectAccess {
  user?: string;
  password?: string;
  /** PEM of the CA that signed an https:// worker's certificate. */
  ca?: string;
}

/** How cqrsctl reaches the configured Connect cluster: its URL, basic auth and CA from the settings. */
export const connectClientOf = (config: Config, timeoutMs?: number) =>
  new ConnectClient(config.connectUrls, connectAccess(config), timeoutMs);

export const connectAccess = (config: Config): ConnectAccess => {
  const s = config.settings;
  return {
    ...(s.connectPassword ? { user: s.connectUser, password: s.connectPassword } : {}),
    ...(s.connectCaFile ? { ca: readPem(s.connectCaFile, 'connectCaFile') } : {}),
  };
};

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
    private readonly access: ConnectAccess = {},
    private readonly timeoutMs = 30_000,
  ) {
    this.urls = typeof urls === 'string' ? [urls] : urls;
  }

  /** The worker asked last (the one that answered, if any did). */
  get url(): string {
    return this.urls[this.current]!;
  }

  /** The worker's root (its version); a 401 becomes an error saying the credentials were refused. */
  root = () => this.request<{ version: string }>('GET', '/');

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
      let response: HttpAnswer;
      try {
        response = await this.fetchAny(method, path, body, deadline);
      } catch (e) {
        throw unreachable(this.url, e);
      }
      const text = response.text;
      debug(`REST ${method} ${this.url}${path} → ${response.status}`);
      if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
      if (response.status === 409 && Date.now() < deadline) {
        await sleep(1000);
        continue;
      }
      throw connectError(method, path, response.status, text);
    }
  }

  /** Tries each worker once, starting with the one that answered last; rethrows the last worker's failure. */
  private async fetchAny(method: string, path: string, body: unknown, deadline: number): Promise<HttpAnswer> {
    for (let tried = 1; ; tried++) {
      try {
        return await requestText(this.url + path, {
          method,
          headers: {
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...authHeaders(this.access),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          timeoutMs: Math.max(1, deadline - Date.now()),
          ca: this.access.ca,
        });
      } catch (e) {
        if (tried >= this.urls.length || Date.now() >= deadline) throw e;
        this.current = (this.current + 1) % this.urls.length;
      }
    }
  }
}

const enc = encodeURIComponent;
export const authHeaders = (a: ConnectAccess): Record<string, string> =>
  a.password === undefined ? {} : { authorization: `Basic ${Buffer.from(`${a.user ?? ''}:${a.password}`).toString('base64')}` };

const tlsCodes = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

function unreachable(url: string, e: unknown): CqrsError {
  const code = String((e as NodeJS.ErrnoException).code ?? '');
  if (tlsCodes.test(code)) {
    return new CqrsError(
      `the TLS certificate of Kafka Connect at ${url} is not trusted (${code})`,
      "Set connectCaFile to the PEM file of the CA that signed the worker's certificate.",
      2,
      { cause: e },
    );
  }
  return new CqrsError(
    `couldn't reach Kafka Connect at ${url} (${(e as Error).message})`,
    'Is the stack up? `cqrsctl status` shows every service; `cqrsctl up` starts them.',
    2,
    { cause: e, retriable: true },
  );
}

/** A refusal from Connect; `status` lets callers treat e.g. 404 as "not there yet". */
export class ConnectHttpError extends CqrsError {
  constructor(
    readonly status: number,
    message: string,
    hint: string | undefined,
    exitCode: 1 | 2,
  ) {
    // Rebalancing (409) and a worker still starting or overloaded (5xx) pass; any other refusal stays.
    super(message, hint, exitCode, { retriable: status === 409 || status >= 500 });
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
  if (status === 401 || status === 403)
    return new ConnectHttpError(
      status,
      `Kafka Connect refused ${method} ${path} (HTTP ${status}): the basic-auth credentials are missing or wrong`,
      'Set connectUser and connectPassword (or connectPasswordFile) to a user of the Connect REST API.',
      2,
    );
  if (status === 404) return new ConnectHttpError(status, what, 'The connector is not registered; `cqrsctl up` registers it.', 1);
  if (status === 409) return new ConnectHttpError(status, what, 'Connect kept rebalancing for 30 s; try again in a moment.', 1);
  if (status >= 500) return new ConnectHttpError(status, what, "See `cqrsctl logs connect` for the worker's side of it.", 1);
  return new ConnectHttpError(status, what, undefined, 2);
}
