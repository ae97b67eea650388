/**
 * How core code reports long steps without knowing about terminals: the CLI passes an implementation
 * backed by spinners (src/ui), tests and --json runs pass a silent one.
 */
export interface Progress {
  step<T>(title: string, run: (update: (detail: string) => void) => Promise<T>): Promise<T>;
  info(message: string): void;
  warn(message: string): void;
}

export const silentProgress: Progress = {
  step: (_title, run) => run(() => {}),
  info: () => {},
  warn: () => {},
};
