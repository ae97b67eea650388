/**
 * Exit codes shared by every command: 0 ok, 1 the checked condition failed, 2 usage or environment error,
 * 70 a bug in cqrsctl (EX_SOFTWARE of sysexits.h), kept apart so that scripts never read a bug as "failed".
 */
export const ExitCode = { ok: 0, failed: 1, usage: 2, bug: 70 } as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The one error type that reaches the user: a message saying what went wrong, a hint saying what to do,
 * the exit code, and whether the same call may succeed later (`retriable`: a service not up yet, a
 * dropped connection) so that waits and the replicator try again instead of giving up. Anything else that
 * escapes a command is a bug and is shown with its stack (src/lib/boundary.ts translates the errors of
 * PostgreSQL, Kafka and HTTP into this type).
 */
export class CqrsError extends Error {
  override readonly name = 'CqrsError';
  readonly retriable: boolean;
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: ExitCodeValue = ExitCode.usage,
    options?: { cause?: unknown; retriable?: boolean },
  ) {
    super(message, options);
    this.retriable = options?.retriable ?? false;
  }
}

export const usageError = (message: string, hint?: string) => new CqrsError(message, hint, ExitCode.usage);
export const conditionFailed = (message: string, hint?: string) => new CqrsError(message, hint, ExitCode.failed);
export const isCqrsError = (e: unknown): e is CqrsError => e instanceof CqrsError;

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
