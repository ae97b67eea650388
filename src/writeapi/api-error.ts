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
