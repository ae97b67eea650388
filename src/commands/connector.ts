import type { Command } from 'commander';
import { ConnectClient, ConnectHttpError } from '../connect/client.ts';
import { failure, waitForRunning } from '../connect/register.ts';
import { usageError } from '../errors.ts';
import { colorState } from '../ui/table.ts';
import { contextOf, printJson } from './context.ts';

type Verb = 'status' | 'restart' | 'pause' | 'resume' | 'delete';

export default async function connector(verb: Verb, _opts: object, command: Command) {
  const { config, json, progress } = contextOf(command);
  const client = new ConnectClient(config.connectUrls);
  const name = config.settings.connectorName;
  try {
    return await run(verb, client, name, json, progress);
  } catch (e) {
    // No such connector: the command was pointed at something that is not there (usage/environment, exit 2).
    if (e instanceof ConnectHttpError && e.status === 404) {
      throw usageError(
        `connector ${name} is not registered in Kafka Connect at ${config.connectUrl}`,
        '`cqrsctl up` registers it (`cqrsctl status` shows the stack).',
      );
    }
    throw e;
  }
}

async function run(
  verb: Verb,
  client: ConnectClient,
  name: string,
  json: boolean,
  progress: ReturnType<typeof contextOf>['progress'],
): Promise<number> {
  switch (verb) {
    case 'status': {
      const s = await client.status(name);
      if (json) printJson(s);
      else {
        process.stdout.write(`connector ${name}: ${colorState(s.connector.state)} on ${s.connector.worker_id}\n`);
        for (const t of s.tasks)
          process.stdout.write(
            `  task ${t.id}: ${colorState(t.state)} on ${t.worker_id}${t.trace ? `\n    ${t.trace.split('\n')[0]}` : ''}\n`,
          );
      }
      return failure(s) || s.connector.state !== 'RUNNING' ? 1 : 0;
    }
    case 'restart':
      await client.restart(name);
      await progress.step(`Waiting for connector ${name} to run again`, (update) => waitForRunning(client, name, update));
      process.stdout.write(`Restarted connector ${name}\n`);
      return 0;
    case 'pause':
      await client.pause(name);
      process.stdout.write(`Paused connector ${name}\n`);
      return 0;
    case 'resume':
      await client.resume(name);
      process.stdout.write(`Resumed connector ${name}\n`);
      return 0;
    case 'delete':
      await client.delete(name);
      process.stdout.write(`Deleted connector ${name} (its replication slot stays on the leader; \`cqrsctl up\` registers it again)\n`);
      return 0;
  }
}
