import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SettingName } from './settings.ts';

/**
 * The state dir's memory of the stack in it: the runtime `up` chose and why, and the settings the stack
 * was started with, so that later commands talk to the stack as it runs and a command asking for other
 * settings is told so instead of looking in the wrong place.
 */
export interface StackRecord {
  runtime: 'native' | 'docker' | 'external';
  /** Why that runtime was chosen by the `up` that first started the stack. */
  reason: string;
  since: string;
  /** The settings that shape the running stack (absent in records written before they were kept). */
  settings?: Partial<Record<SettingName, string | number>>;
}

/**
 * Settings that describe the running stack itself: where its services listen, how many replicas, names
 * inside it. Secrets are not written to the state dir; home and cache say where things are kept, not
 * what runs.
 */
export const recordedSettings = [
  'host',
  'leaderPort',
  'replicas',
  'replicaBasePort',
  'brokerCount',
  'brokerPort',
  'controllerPort',
  'connectWorkers',
  'partitions',
  'connectPort',
  'writeApiPort',
  'metricsPort',
  'replicators',
  'database',
  'dbUser',
  'cdcUser',
  'connectorName',
  'topicPrefix',
  'composeProject',
  'brokers',
  'connectUrl',
] as const satisfies readonly SettingName[];

const stackFileIn = (home: string) => join(home, 'stack.json');

export function readStackRecordIn(home: string): StackRecord | undefined {
  const file = stackFileIn(home);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackRecord;
  } catch {
    return undefined;
  }
}

export function writeStackRecordIn(home: string, record: StackRecord): void {
  mkdirSync(home, { recursive: true });
  writeFileSync(stackFileIn(home), `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(dataFileIn(home), `${JSON.stringify({ runtime: record.runtime, since: record.since }, null, 2)}\n`);
}

/**
 * `down` forgets the running stack; the runtime that holds the data stays recorded until `down --purge`
 * deletes the data, so that the next `up` with runtime auto starts that data again instead of an empty
 * stack on another runtime.
 */
export function removeStackRecordIn(home: string, options: { purge: boolean }): void {
  rmSync(stackFileIn(home), { force: true });
  if (options.purge) rmSync(dataFileIn(home), { force: true });
}

const dataFileIn = (home: string) => join(home, 'data.json');

/** The runtime whose data the state dir holds (written by `up`, kept by `down`, removed by `down --purge`). */
export function readDataRuntimeIn(home: string): StackRecord['runtime'] | undefined {
  try {
    return (JSON.parse(readFileSync(dataFileIn(home), 'utf8')) as { runtime?: StackRecord['runtime'] }).runtime;
  } catch {
    return undefined;
  }
}
