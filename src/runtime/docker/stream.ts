import type Docker from 'dockerode';

export interface ProgressEvent {
  status?: string;
  id?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
  aux?: { ID?: string };
}

/**
 * Waits for a pull/build/import stream to end. followProgress reports only transport errors: a failed
 * pull or a failing RUN arrives as an `{error}` line with HTTP 200 (apocas/dockerode#639), so every event
 * is checked here and the first error rejects.
 */
export function followStream(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent?: (e: ProgressEvent) => void,
): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: ProgressEvent[]) => {
        if (err) return reject(err);
        const bad = failure ?? output.find((o) => o.error || o.errorDetail)?.error;
        if (bad) return reject(new Error(bad));
        resolve(output);
      },
      (event: ProgressEvent) => {
        if ((event.error || event.errorDetail) && !failure) failure = event.error ?? event.errorDetail?.message;
        onEvent?.(event);
      },
    );
  });
}

/** One line for a spinner: "Downloading 12.3/40.1 MB" summed over layers. */
export function pullSummary(layers: Map<string, ProgressEvent>): string {
  let current = 0,
    total = 0,
    done = 0;
  for (const e of layers.values()) {
    if (e.status === 'Pull complete' || e.status === 'Already exists') done++;
    current += e.progressDetail?.current ?? 0;
    total += e.progressDetail?.total ?? 0;
  }
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return `${done}/${layers.size} layers${total ? `, ${mb(current)}/${mb(total)} MB` : ''}`;
}
