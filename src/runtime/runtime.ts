import type { Progress } from '../progress.ts';

export type RuntimeName = 'native' | 'docker' | 'external';
export type ServiceState = 'running' | 'stopped' | 'unhealthy';

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  address: string;
  pid?: number;
  detail?: string;
}

export interface LogOptions {
  follow: boolean;
  tail?: number;
  /** Only what was logged at or after this time. */
  since?: Date;
  out: NodeJS.WritableStream;
  signal?: AbortSignal;
}

/**
 * Starts, stops, inspects and reads the logs of the infrastructure services (`leader`, `replica-N`,
 * `broker`, `connect`). Everything above a runtime reaches the services only through their addresses.
 */
export interface Runtime {
  readonly name: RuntimeName;
  /** Why this runtime was picked (shown by `status`). */
  readonly reason: string;
  /** The leader's address as Kafka Connect reaches it, when that differs from the configured one (containers). */
  readonly leaderFromConnect?: { host: string; port: number };
  /**
   * Puts secrets where the Kafka Connect workers read them through their FileConfigProvider and returns that
   * file's path, so the registered connector holds `${file:<path>:<key>}` instead of a password. Absent when
   * the runtime has no such file (the connector then holds the password itself).
   */
  storeConnectorSecrets?(secrets: Record<string, string>): string;
  /**
   * The service (`connect`, `connect-N`) of the Connect worker that Connect names `workerId` (its advertised
   * REST host:port); absent where cqrsctl runs no workers.
   */
  connectWorkerOf?(workerId: string): string | undefined;
  /** Installs or builds whatever the runtime needs and is missing; quick when nothing is. */
  setup(progress: Progress): Promise<void>;
  /** Starts every service that is not running, in dependency order, and waits until each is ready. */
  up(progress: Progress): Promise<{ started: string[] }>;
  /** Stops everything this runtime started; purge also deletes the data. */
  down(options: { purge: boolean }, progress: Progress): Promise<void>;
  startService(name: string, progress: Progress): Promise<void>;
  stopService(name: string, progress: Progress): Promise<void>;
  status(): Promise<ServiceStatus[]>;
  logs(service: string, options: LogOptions): Promise<void>;
}
