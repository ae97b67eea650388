import type postgres from 'postgres';
import { createCommands, type Commands } from '../writeapi/commands.ts';
import { ApiError } from '../writeapi/api-error.ts';
import type { Doc, Resource } from './workload.ts';

/** The command was refused for a reason of the domain (not found, conflict): counted, but not an error. */
export class Rejected extends Error {}

/** The commands over HTTP, as a client of the write API would send them. */
export function apiCommands(baseUrl: string, headers: Record<string, string> = {}): Commands {
  // The API answers with the command's own result; its shape is the Commands type's by contract.
  const send = async (method: string, path: string, body?: unknown): Promise<any> => {
    const r = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await r.json()) as { message?: string };
    if (r.ok) return answer;
    const message = `${method} ${path}: ${r.status} ${answer.message ?? ''}`;
    throw r.status === 404 || r.status === 409 ? new Rejected(message) : new Error(message);
  };
  return {
    createCustomer: (c) => send('POST', '/customers', c),
    deleteCustomer: (id) => send('DELETE', `/customers/${id}`),
    createProduct: (p) => send('POST', '/products', p),
    updatePrice: (id, price) => send('PUT', `/products/${id}/price`, { price }),
    placeOrder: (o) => send('POST', '/orders', o),
    changeOrder: (id, action) => send('POST', `/orders/${id}/${action}`),
  };
}

/** The same commands straight on the leader, with the write API's refusals counted as the API's would be. */
export function sqlCommands(sql: postgres.Sql): Commands {
  const commands = createCommands(sql);
  const wrapped = {} as Record<string, unknown>;
  for (const [name, run] of Object.entries(commands)) {
    wrapped[name] = (...args: unknown[]) =>
      (run as (...a: unknown[]) => Promise<unknown>)(...args).catch((e: unknown) => {
        throw e instanceof ApiError && (e.statusCode === 404 || e.statusCode === 409) ? new Rejected(e.message) : e;
      });
  }
  return wrapped as Commands;
}

export type ReadAnswer = { found: true; doc: Doc } | { found: false } | { unavailable: string };

/** Reads a row back through the read API, waiting for the write's token as any client would. */
export async function readBack(
  baseUrl: string,
  resource: Resource,
  id: number,
  token: string,
  headers: Record<string, string> = {},
): Promise<ReadAnswer> {
  const r = await fetch(`${baseUrl}/${resource}/${id}`, { headers: { ...headers, 'consistency-token': token } });
  const body = (await r.json()) as Doc & { message?: string };
  if (r.ok) return { found: true, doc: body };
  if (r.status === 404) return { found: false };
  return { unavailable: `${r.status} ${body.message ?? ''}` };
}
