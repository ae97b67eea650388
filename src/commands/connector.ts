import type { Command } from 'commander';
import { connectClientOf, ConnectClient, ConnectHttpError } from '../connect/client.ts';
import { failure, waitForRunning } from '../connect/register.ts';
import { usageError } from '../errors.ts';
import { renderConnectorStatus } from '../ui/connector.ts';
import { jsonText } from '../ui/output.ts';
import { contextOf, type Context } from './context.ts';

type Verb = 'status' | 'restart' | 'pause' | 'resume' | 'delete';

export default async function connector(verb: Verb, _opts: object, command: Command) {
  const context = contextOf(command);
  const { config } = context;
  const client = connectClientOf(config);
  const name = config.settings.connectorName;
  try {
    return await run(verb, client, name, context);
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

async function run(verb: Verb, client: ConnectClient, name: string, { json, progress, output }: Context): Promise<number> {
  switch (verb) {
    case 'status': {
      const s = await client.status(name);
      output.out(json ? jsonText(s) : renderConnectorStatus(name, s, output.color));
      return failure(s) || s.connector.state !== 'RUNNING' ? 1 : 0;
    }
    case 'restart':
      await client.restart(name);
      await progress.step(`Waiting for connector ${name} to run again`, (update) => waitForRunning(client, name, update));
      output.out(`Restarted connector ${name}\n`);
      return 0;
    case 'pause':
      await client.pause(name);
      output.out(`Paused connector ${name}\n`);
      return 0;
    case 'resume':
      await client.resume(name);
      output.out(`Resumed connector ${name}\n`);
      return 0;
    case 'delete':
      await client.delete(name);
      output.out(`Deleted connector ${name} (its replication slot stays on the leader; \`cqrsctl up\` registers it again)\n`);
      return 0;
  }
}
