/** An answer other than 2xx that the client can act on; fastify renders it as {statusCode, error, message}. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const unavailable = (message: string, retryAfterSeconds = 1) => new ApiError(503, message, retryAfterSeconds);

const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P03',
]);

/** A database that cannot be reached is the server's temporary problem (503), not a bug (500). */
export function isConnectionError(e: unknown): boolean {
  return connectionCodes.has(String((e as { code?: unknown })?.code));
}
