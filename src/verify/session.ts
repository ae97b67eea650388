import net from 'node:net';
import postgres from 'postgres';
import type { PgEndpoint } from '../config/config.ts';
import { pgClient } from '../pg/client.ts';

/** One database as verify sees it: a client whose session normalizes value text, and its received bytes. */
export interface VerifySession {
  name: string;
  /** Name and address, for errors: `replica-1 (127.0.0.1:5433)`. */
  endpoint: string;
  sql: postgres.Sql;
  bytesReceived(): number;
  close(): Promise<void>;
}

/**
 * Equal values must print (and so hash) equal on every server, whatever each server's defaults are:
 * these startup parameters fix every setting that changes a value's text output.
 */
export const normalizedSession = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  application_name: 'cqrsctl-verify',
  // Our scans are short and run once: compiling them costs more than it saves (up to seconds on 1M rows).
  jit: 'off',
  // The planner cannot estimate how few segments a group by on hash bits yields and would sort (spilling
  // to disk) where a small in-memory hash aggregate does.
  enable_sort: 'off',
};

export function openSession(endpoint: PgEndpoint, maxConnections: number): VerifySession {
  const sockets: net.Socket[] = [];
  // Workaround: postgres.js supports a `socket` factory but its type declarations omit it. Our own socket
  // lets us count the bytes the database sends (the benchmark's network budget).
  const options = {
    max: maxConnections,
    connect_timeout: 10,
    connection: normalizedSession,
    // Every query selects text; skipping type fetching saves a round trip and keeps values as sent.
    fetch_types: false,
    socket: () =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(endpoint.port, endpoint.host);
        socket.once('connect', () => resolve(socket)).once('error', reject);
        sockets.push(socket);
      }),
  };
  const sql = pgClient(endpoint, options);
  return {
    name: endpoint.name,
    endpoint: `${endpoint.name} (${endpoint.host}:${endpoint.port})`,
    sql,
    bytesReceived: () => sockets.reduce((n, s) => n + s.bytesRead, 0),
    close: () => sql.end({ timeout: 5 }),
  };
}
