/**
 * How core code reports long steps without knowing about terminals: the CLI passes an implementation
 * backed by spinners (src/ui), tests and --json runs pass a silent one.
 */
export interface Progress {
  /**
   * Runs one named step. `failed` lets a step that returns normally still end as failed (✖), e.g. a wait
   * that gave up and reports it in its result instead of throwing.
   */
  step<T>(title: string, run: (update: (detail: string) => void) => Promise<T>, options?: StepOptions<T>): Promise<T>;
  info(message: string): void;
  warn(message: string): void;
}

export interface StepOptions<T> {
  failed?: (result: T) => boolean;
}

export const silentProgress: Progress = {
  step: (_title, run) => run(() => {}),
  info: () => {},
  warn: () => {},
};
