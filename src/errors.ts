/** Exit codes shared by every command: 0 ok, 1 the checked condition failed, 2 usage or environment error. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The one error type that reaches the user: a message saying what went wrong, a hint saying what to do,
 * and the exit code. Anything else that escapes a command is a bug and is shown with its stack.
 */
export class CqrsError extends Error {
  override readonly name = 'CqrsError';
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: ExitCodeValue = ExitCode.usage,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const usageError = (message: string, hint?: string) => new CqrsError(message, hint, ExitCode.usage);
export const conditionFailed = (message: string, hint?: string) => new CqrsError(message, hint, ExitCode.failed);
export const isCqrsError = (e: unknown): e is CqrsError => e instanceof CqrsError;

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
