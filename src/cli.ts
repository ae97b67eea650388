import { Command, Option } from 'commander';
import { settings, envName } from './config/settings.ts';
import { ExitCode, usageError } from './errors.ts';
import { reportError } from './ui/errors.ts';

const program = new Command('cqrsctl')
  .description('Run and operate a CQRS pipeline: PostgreSQL leader → Debezium → Kafka API → read replicas.')
  .option('--config <file>', 'config file (default: ./cqrsctl.config.json when present; CQRSCTL_CONFIG)')
  .option('--debug', 'show stack traces and internal detail on errors')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (str, write) => write(str) })
  .exitOverride();

// Every setting is also a global flag; the help names its environment variable so the two are learned together.
for (const [name, spec] of Object.entries(settings)) {
  const flag = '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
  const shown = spec.kind === 'secret' ? '(secret)' : JSON.stringify(spec.default);
  program.addOption(new Option(`${flag} <value>`, `${spec.doc} [${envName(name)}, default ${shown}]`).hideHelp(name !== 'runtime' && name !== 'home'));
}
program.addHelpText('after', `
Every setting can also be given as a flag (--leader-port 6432), an environment variable
(CQRSCTL_LEADER_PORT=6432) or a key in cqrsctl.config.json ({"leaderPort": 6432}); flags win over the
environment, which wins over the file. \`cqrsctl config\` lists them all with their current values.

Examples:
  cqrsctl up                      start everything and run the replicator in the foreground
  cqrsctl up --detach             start everything in the background
  cqrsctl status                  services, connector, replica lag
  cqrsctl logs connect -f         follow Kafka Connect's log
  cqrsctl down --purge            stop everything and delete its data`);

const lazy = (load: () => Promise<{ default: (...args: any[]) => Promise<number | void> }>) =>
  async (...args: any[]) => {
    const run = (await load()).default;
    const code = await run(...args);
    if (typeof code === 'number') process.exitCode = code;
  };

program.command('setup')
  .description('install what the native runtime needs and is missing (PostgreSQL 15, Java, Maven, Kafka/Connect/Debezium jars)')
  .addHelpText('after', '\nExample:\n  cqrsctl setup')
  .action(lazy(() => import('./commands/setup.ts')));

program.command('up')
  .description('start (or adopt) every service, register the connector, run the replicator and the write API')
  .option('-d, --detach', 'run the replicator and the write API in the background and return')
  .addHelpText('after', `
Examples:
  cqrsctl up                          foreground: live replication line, Ctrl-C stops the replicator only
  cqrsctl up --detach                 everything in the background; see \`cqrsctl status\`
  cqrsctl up --runtime native --replicas 2`)
  .action(lazy(() => import('./commands/up.ts')));

program.command('down')
  .description('stop everything cqrsctl started')
  .option('--purge', 'also delete all data (clusters, topics, volumes)')
  .addHelpText('after', '\nExamples:\n  cqrsctl down\n  cqrsctl down --purge')
  .action(lazy(() => import('./commands/down.ts')));

program.command('status')
  .description('services, connector and task state, replication slot WAL retained, replicator lag')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExamples:\n  cqrsctl status\n  cqrsctl status --json | jq .connector')
  .action(lazy(() => import('./commands/status.ts')));

program.command('logs')
  .description('show one service\'s log')
  .argument('<service>', 'leader, replica-N, broker, connect, replicator or write-api')
  .option('-f, --follow', 'keep printing new lines')
  .option('-n, --tail <lines>', 'only the last N lines', (v) => parseCount(v, '--tail'))
  .addHelpText('after', '\nExamples:\n  cqrsctl logs connect --tail 50\n  cqrsctl logs replicator -f')
  .action(lazy(() => import('./commands/logs.ts')));

const connector = program.command('connector').description('inspect and control the Debezium connector through the Connect REST API');
for (const [verb, about] of [
  ['status', 'connector and task states (FAILED shows the trace\'s first line)'],
  ['restart', 'restart the connector and its tasks'],
  ['pause', 'pause the connector'],
  ['resume', 'resume a paused connector'],
  ['delete', 'remove the connector from Connect (the replication slot is kept)'],
] as const) {
  const sub = connector.command(verb).description(about).addHelpText('after', `\nExample:\n  cqrsctl connector ${verb}`);
  if (verb === 'status') sub.option('--json', 'machine-readable output');
  sub.action(lazy(async () => ({ default: async (opts: object, cmd: Command) => (await import('./commands/connector.ts')).default(verb, opts, cmd) })));
}

program.command('config')
  .description('show every setting with its current value and where it came from')
  .option('--json', 'machine-readable output')
  .action(lazy(() => import('./commands/config.ts')));

function parseCount(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw usageError(`${flag}: "${value}" is not a whole number`);
  return n;
}

const debug = process.argv.includes('--debug');
try {
  await program.parseAsync(process.argv);
} catch (e) {
  const code = (e as { code?: string; exitCode?: number }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    // commander already printed its message; help and version are not failures.
    process.exitCode = code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help' ? ExitCode.ok : ExitCode.usage;
  } else {
    process.exitCode = reportError(e, debug);
  }
}
