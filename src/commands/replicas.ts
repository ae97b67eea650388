import type { Command } from 'commander';
import { ExitCode } from '../errors.ts';
import { addReplica, listReplicas, reseedReplica } from '../replicas/replicas.ts';
import { jsonText } from '../ui/output.ts';
import { renderAdd, renderReplicaList, renderSeed } from '../ui/replicas.ts';
import { contextOf } from './context.ts';

export async function reseed(name: string, _flags: unknown, command: Command): Promise<number> {
  const { config, progress, json, output } = contextOf(command);
  const report = await reseedReplica(config, name, progress);
  output.out(json ? jsonText(report) : renderSeed(report));
  return ExitCode.ok;
}

export async function add(_flags: unknown, command: Command): Promise<number> {
  const { config, progress, json, output } = contextOf(command);
  const report = await addReplica(config, progress);
  output.out(json ? jsonText(report) : renderAdd(report));
  return ExitCode.ok;
}

export async function list(_flags: unknown, command: Command): Promise<number> {
  const { config, json, output } = contextOf(command);
  const replicas = await listReplicas(config);
  output.out(json ? jsonText({ replicas }) : renderReplicaList(replicas, output.color));
  return ExitCode.ok;
}
