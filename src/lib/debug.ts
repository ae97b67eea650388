/**
 * `--debug`'s log of external calls (SQL connects, Kafka clients, REST requests), one line each on
 * stderr. Off unless the CLI turns it on; the lines name endpoints and users, never passwords.
 */
let write: ((line: string) => void) | undefined;

export function enableDebug(sink: (line: string) => void): void {
  write = sink;
}

export const debug = (line: string): void => write?.(`debug: ${line}\n`);
