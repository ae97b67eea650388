import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { envName, flagName, settings, type SettingName } from './config/settings.ts';
import { ExitCode, usageError } from './errors.ts';
import { enableDebug } from './lib/debug.ts';
import { packagePath } from './lib/package-root.ts';
import { reportError } from './ui/report-error.ts';
import { endQuietlyWhenOutputCloses, processOutput, useOutput } from './ui/output.ts';

endQuietlyWhenOutputCloses();
const output = processOutput();

const { version } = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };

const program = new Command('cqrsctl')
  .description('Run and operate a CQRS pipeline: PostgreSQL leader → Debezium → Kafka API → read replicas.')
  .version(version, '-V, --version', 'print the version of cqrsctl')
  .option('--config <file>', 'config file (default: ./cqrsctl.config.json when present; CQRSCTL_CONFIG)')
  .option('--debug', 'show stack traces on errors and log each external call (SQL connect, Kafka client, REST request) to stderr')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ writeOut: output.out, writeErr: output.err, outputError: (str, write) => write(str) })
  .exitOverride();

// Every setting is also a global flag; the help names its environment variable so the two are learned together.
for (const [name, spec] of Object.entries(settings)) {
  const shown = spec.kind === 'secret' ? '(secret)' : JSON.stringify(spec.default);
  program.addOption(
    new Option(`${flagName(name)} <value>`, `${spec.doc} [${envName(name)}, default ${shown}]`).hideHelp(
      name !== 'runtime' && name !== 'home',
    ),
  );
}
program.addHelpText(
  'after',
  `
Every setting can also be given as a flag (--leader-port 6432), an environment variable
(CQRSCTL_LEADER_PORT=6432) or a key in cqrsctl.config.json ({"leaderPort": 6432}); flags win over the
environment, which wins over the file. \`cqrsctl config\` lists them all with their current values.

Examples:
  cqrsctl up                      start everything and run the replicator in the foreground
  cqrsctl up --detach             start everything in the background
  cqrsctl status                  services, connector, replica lag
  cqrsctl logs connect -f         follow Kafka Connect's log
  cqrsctl down --purge            stop everything and delete its data`,
);

const lazy =
  (load: () => Promise<{ default: (...args: any[]) => Promise<number | void> }>) =>
  async (...args: any[]) => {
    const run = (await load()).default;
    const code = await run(...args);
    if (typeof code === 'number') process.exitCode = code;
  };

program
  .command('setup')
  .description('install what the native runtime needs and is missing (PostgreSQL 15, Java, Maven, Kafka/Connect/Debezium jars)')
  .addHelpText('after', '\nExample:\n  cqrsctl setup')
  .action(lazy(() => import('./commands/setup.ts')));

/** The settings that shape a stack, as `up --help` lists them (they are global flags, hidden elsewhere). */
const stackFlags: SettingName[] = [
  'runtime',
  'replicas',
  'brokerCount',
  'connectWorkers',
  'partitions',
  'replicators',
  'leaderPort',
  'replicaBasePort',
  'brokerPort',
  'controllerPort',
  'connectPort',
  'writeApiPort',
  'metricsPort',
  'host',
  'home',
];
const stackFlagsHelp = stackFlags
  .map((name) => {
    const flag = `${flagName(name)} <${settings[name].kind === 'count' ? 'n' : settings[name].kind === 'port' ? 'port' : 'value'}>`;
    return `  ${flag.padEnd(28)}${settings[name].doc.replace(/; CQRSCTL_HOME$/, '')} (${envName(name)}, default ${JSON.stringify(settings[name].default)})`;
  })
  .join('\n');

program
  .command('up')
  .description('start (or adopt) every service, register the connector, run the replicator and the write API')
  .option('-d, --detach', 'run the replicator and the write API in the background and return')
  .addHelpText(
    'after',
    `
Stack settings (also as CQRSCTL_* variables or keys in cqrsctl.config.json; \`cqrsctl config\` lists all):
${stackFlagsHelp}

The state dir remembers the settings a stack was started with; to change one, \`cqrsctl down\` first.

Examples:
  cqrsctl up                          foreground: live replication line, Ctrl-C stops the replicator only
  cqrsctl up --detach                 everything in the background; see \`cqrsctl status\`
  cqrsctl up --runtime native --replicas 2`,
  )
  .action(lazy(() => import('./commands/up.ts')));

program
  .command('down')
  .description('stop everything cqrsctl started')
  .option('--purge', 'also delete all data (clusters, topics, volumes)')
  .addHelpText('after', '\nExamples:\n  cqrsctl down\n  cqrsctl down --purge')
  .action(lazy(() => import('./commands/down.ts')));

program
  .command('status')
  .description('services, connector and task state, replication slot WAL retained, replicator lag')
  .option('--json', 'machine-readable output')
  .option('-w, --watch [interval]', 'look again every interval (default 2s) until Ctrl-C; with --json, one document per line')
  .addHelpText(
    'after',
    '\nExits 1 when anything is unhealthy, with one line per problem: its reason and a hint.\n\nExamples:\n  cqrsctl status\n  cqrsctl status --watch\n  cqrsctl status --json | jq .connector\n  cqrsctl status --watch=10s --json | jq -c .problems',
  )
  .action(lazy(() => import('./commands/status.ts')));

program
  .command('dashboard')
  .description('serve a live page on 127.0.0.1: services, connector, replica lag chart, events/s, slot WAL, dead letters, change feed')
  .addHelpText(
    'after',
    `
The page looks at the stack every 2 s, as \`cqrsctl status\` does, and keeps 5 minutes of lag history;
the change feed shows the events that arrive while it is open. /api/status serves the same as JSON.
Ctrl-C stops the dashboard; the stack keeps running.

Examples:
  cqrsctl dashboard                         then open http://127.0.0.1:8090/
  cqrsctl dashboard --dashboard-port 9000`,
  )
  .action(lazy(() => import('./commands/dashboard.ts')));

program
  .command('logs')
  .description("show one service's log")
  .argument('<service>', 'leader, replica-N, broker, connect, replicator or write-api')
  .option('-f, --follow', 'keep printing new lines (starting from the last 10 unless --tail says otherwise)')
  .option('-n, --tail <lines>', 'only the last N lines (0: none, e.g. to follow only new lines)', (v) => parseCount(v, '--tail'))
  .option('--since <when>', 'only lines logged since then: a duration back from now (10m, 2h, 1d) or a date and time ("2026-11-26 14:00")')
  .addHelpText('after', '\nExamples:\n  cqrsctl logs connect --tail 50\n  cqrsctl logs replicator -f\n  cqrsctl logs leader --since 10m')
  .action(lazy(() => import('./commands/logs.ts')));

program
  .command('replicate')
  .description('run a replicator in the foreground: apply change events to the replicas it owns')
  .addOption(new Option('--as <name>', 'app name (replicator, replicator-N); `up --detach` names the ones it starts').hideHelp())
  .addHelpText(
    'after',
    `
Replicators share the replicas through one Kafka consumer group: the first owns every replica; one started
beside it (here, or on another machine with the same settings) takes a share, and takes over the replicas
of one that dies within about 10 s. Each replica records which replicator owns it (an owner epoch), and
every apply checks it, so two replicators never apply to one replica. Named replicator-N here, with its
metrics on metricsPort+N-1.
Ctrl-C (or SIGTERM) finishes the batch in flight, leaves the group (the others take its replicas at once)
and stops; a second Ctrl-C abandons the batch (it rolls back).
\`cqrsctl up\` runs the same replicator in-process, \`cqrsctl up --detach --replicators N\` N background ones.

Examples:
  cqrsctl replicate
  cqrsctl replicate &  cqrsctl replicate       two replicators sharing the replicas`,
  )
  .action(lazy(() => import('./commands/replicate.ts')));

program
  .command('events')
  .description('look at the change events in Kafka')
  .command('tail')
  .description('print change events as they arrive, one readable line each')
  .option('--table <table>', 'only this table (schema.table; public. is assumed)')
  .option('--from-beginning', 'start with the oldest event Kafka still holds')
  .option('--json', 'print each raw Debezium envelope')
  .addHelpText('after', '\nExamples:\n  cqrsctl events tail\n  cqrsctl events tail --table orders --json | jq .op')
  .action(lazy(() => import('./commands/events.ts')));

const connector = program.command('connector').description('inspect and control the Debezium connector through the Connect REST API');
for (const [verb, about] of [
  ['status', "connector and task states (FAILED shows the trace's first line)"],
  ['restart', 'restart the connector and its tasks'],
  ['pause', 'pause the connector'],
  ['resume', 'resume a paused connector'],
  ['delete', 'remove the connector from Connect (the replication slot is kept)'],
] as const) {
  const sub = connector.command(verb).description(about).addHelpText('after', `\nExample:\n  cqrsctl connector ${verb}`);
  if (verb === 'status') sub.option('--json', 'machine-readable output');
  sub.action(
    lazy(async () => ({
      default: async (opts: object, cmd: Command) => (await import('./commands/connector.ts')).default(verb, opts, cmd),
    })),
  );
}

program
  .command('simulate')
  .description('realistic write traffic: orders, payments, shipments, price changes, sign-ups and deletions')
  .option('--count <n>', 'number of commands (default 1000)')
  .option('--duration <d>', 'run for a time instead, e.g. 30s, 5m')
  .option('--rate <r>', 'commands started per second; 0 = as fast as the concurrency allows (default 200)')
  .option('--concurrency <c>', 'commands in flight at once (default 8)')
  .option('--via <target>', 'api (the write API, default) or sql (straight on the leader)')
  .option('--seed <s>', 'makes the mix of commands and their parameters repeatable (default random, printed)')
  .option('--check-reads', 'read every write back through the read API with its token; count stale answers')
  .option('--json', 'machine-readable summary')
  .addHelpText(
    'after',
    `
Examples:
  cqrsctl simulate --count 2000                      2,000 commands through the write API at 200/s
  cqrsctl simulate --duration 5m --rate 50 --via sql  five minutes of gentle traffic straight on the leader
  cqrsctl simulate --count 500 --check-reads --seed 7 and prove read-your-writes on every one`,
  )
  .action(lazy(() => import('./commands/simulate.ts')));

program
  .command('serve', { hidden: true })
  .description('run the write and read HTTP API alone in the foreground (the managed `write-api` app)')
  .action(lazy(() => import('./commands/serve.ts')));

const images = program.command('images').description('images for the docker runtime');
images
  .command('build')
  .description('build, with no registry, the stand-in images the docker runtime uses (needs root: debootstrap)')
  .option('--force', 'rebuild even when nothing changed')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExamples:\n  sudo cqrsctl images build\n  cqrsctl images build --force')
  .action(lazy(() => import('./commands/images.ts')));

program
  .command('config')
  .description('show every setting with its current value and where it came from')
  .option('--json', 'machine-readable output')
  .action(lazy(() => import('./commands/config.ts')));

program
  .command('completion')
  .description('print the shell completion script for bash, zsh or fish')
  .argument('<shell>', 'bash, zsh or fish')
  .addHelpText(
    'after',
    `
Examples:
  source <(cqrsctl completion bash)                                   in ~/.bashrc
  source <(cqrsctl completion zsh)                                    in ~/.zshrc
  cqrsctl completion fish > ~/.config/fish/completions/cqrsctl.fish`,
  )
  .action(lazy(() => import('./commands/completion.ts')));

const collect = (value: string, previous: string[]) => [...previous, value];
program
  .command('verify-replicas')
  .description('exact diff of the leader against every replica, with repair; exit 0 equal, 1 diverged, 2 error')
  .option(
    '--wait [timeout]',
    'first wait until every replica has applied what the leader had committed when the command started (default 60s)',
  )
  .option('--table <table>', 'compare only this table: schema.table, or a table name in public; repeatable', collect, [])
  .option('--replica <name>', 'compare only this replica (replica-N); repeatable', collect, [])
  .option('--repair', 'make diverged replicas equal to the leader (rows and table definitions), then verify again')
  .option('--json', 'machine-readable output')
  .addHelpText(
    'after',
    `
Compares PostgreSQL-computed hashes of key-hash segments and fetches only the rows of segments that differ,
so equal tables cost one scan per database and a few bytes per thousand rows on the network.

Examples:
  cqrsctl verify-replicas --wait                  wait up to 60s for catch-up, then compare every table
  cqrsctl verify-replicas --wait=5m --json
  cqrsctl verify-replicas --table public.orders --replica replica-2
  cqrsctl verify-replicas --repair`,
  )
  .action(lazy(() => import('./commands/verify-replicas.ts')));

const dlq = program.command('dlq').description('dead letters: changes a replica could not apply, and their replay');
dlq
  .command('list')
  .description('pending dead letters: replica, reason, source topic/partition/offset and LSN, table, key, time')
  .option('--replica <name>', 'only this replica (replica-N); repeatable', collect, [])
  .option('--table <table>', 'only this table (schema.table; public. is assumed); repeatable', collect, [])
  .option('--all', 'also letters already replayed, with how')
  .option('--json', 'machine-readable output')
  .addHelpText(
    'after',
    `
Each replica records its dead letters (cqrsctl.dead_letters) in the transaction that skipped them; they
also go to the dead-letter topic. \`cqrsctl status\` counts them.

Examples:
  cqrsctl dlq list
  cqrsctl dlq list --replica replica-2 --table orders
  cqrsctl dlq list --json | jq '.letters[].reason'`,
  )
  .action(lazy(async () => ({ default: (await import('./commands/dlq.ts')).list })));
dlq
  .command('replay')
  .description('after fixing the cause: apply pending dead letters in order, verify their rows against the leader')
  .option('--replica <name>', 'only this replica (replica-N); repeatable', collect, [])
  .option('--table <table>', 'only this table (schema.table; public. is assumed); repeatable', collect, [])
  .option('--wait <timeout>', "first wait this long for each replica to apply the leader's WAL (default 60s)")
  .option('--json', 'machine-readable output')
  .addHelpText(
    'after',
    `
Runs alongside the replicator: each replica's replay is one transaction holding the replicator's apply
lock. Row by row, in their original order, the letters' changes go through the replicator's own plan,
and the row is compared with the leader's current row before it is kept. Outcomes: applied (now equal),
superseded (the replica already held the leader's row: nothing applied, since the letter's older change
would undo newer ones), differs (it would not become equal: nothing applied, see the hint), failed (the
cause is not fixed), not-replayable (say, an undecodable message). Applied and superseded letters are
marked replayed in the same transaction and are never replayed again.
Exit 0 when no selected letter is left pending, 1 when some are.

Examples:
  cqrsctl dlq replay
  cqrsctl dlq replay --replica replica-2 --table public.orders --json`,
  )
  .action(lazy(async () => ({ default: (await import('./commands/dlq.ts')).replay })));

const replicas = program
  .command('replicas')
  .description('the read replicas: list them, add one to a running stack, reseed one from the leader');
replicas
  .command('list')
  .description('each replica: address, server state, events applied, lag, dead letters')
  .option('--json', 'machine-readable output')
  .addHelpText('after', "\nExamples:\n  cqrsctl replicas list\n  cqrsctl replicas list --json | jq '.replicas[].progress.lagMs'")
  .action(lazy(async () => ({ default: (await import('./commands/replicas.ts')).list })));
replicas
  .command('add')
  .description('start one more replica server, seed it from the leader, and make the replicator apply to it')
  .option('--json', 'machine-readable summary')
  .addHelpText(
    'after',
    `
Starts replica-N+1 on replicaBasePort+N (native runtime), seeds it like \`replicas reseed\`, records the new
count for the stack (so \`up --replicas\` is not needed, and asks for \`down\` first), and restarts the
background replicator and write API so they use it. The other replicas keep serving throughout.

Examples:
  cqrsctl replicas add
  cqrsctl replicas add --json | jq .seed.rows`,
  )
  .action(lazy(async () => ({ default: (await import('./commands/replicas.ts')).add })));
replicas
  .command('reseed')
  .argument('<replica>', 'the replica to reseed (replica-N)')
  .description("replace a replica's content by a copy of the leader's, then stream on from exactly that point")
  .option('--json', 'machine-readable summary')
  .addHelpText(
    'after',
    `
Copies every captured table (definitions as the leader has them, and their rows) as of one consistent
snapshot of the leader, taken with a temporary logical replication slot, and sets the replica's position to
the first change committed after it. It needs no old events, so it works after Kafka's retention deleted
them. The new content is written in one transaction on the replica: a failure leaves the old one. The
replicator, running or not, goes on from the new position; the other replicas keep serving, and the leader
is only read. Queries on the replica being reseeded wait until the copy commits.

Examples:
  cqrsctl replicas reseed replica-2
  cqrsctl replicas reseed replica-2 --json | jq .resumeOffset`,
  )
  .action(lazy(async () => ({ default: (await import('./commands/replicas.ts')).reseed })));

program
  .command('smoke')
  .description('for CI: up (detached), simulate with read checks, verify with wait; exit 0 passed, 1 a check failed, 2 setup error')
  .option('--count <n>', 'commands to simulate, each write read back through the read API with its token (default 200)')
  .option('--seed <s>', 'makes the simulated commands repeatable (default random, printed)')
  .option('--wait <timeout>', 'how long verify waits for the replicas to catch up (default 120s)')
  .option('--junit <file>', 'also write a JUnit XML report there: one testcase per phase')
  .option('--down', 'stop the stack afterwards, whatever the outcome (data kept)')
  .option('--json', 'machine-readable summary')
  .addHelpText(
    'after',
    `
Phases: up, simulate, verify (and down with --down); a phase that does not pass skips the ones after it.

Examples:
  cqrsctl smoke
  cqrsctl smoke --junit reports/cqrsctl-smoke.xml --down
  cqrsctl smoke --count 1000 --seed 7 --json | jq '.phases[] | {name, status}'`,
  )
  .action(lazy(() => import('./commands/smoke.ts')));

function parseCount(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw usageError(`${flag}: "${value}" is not a whole number`);
  return n;
}

useOutput(program, output);
const debug = process.argv.includes('--debug');
if (debug) enableDebug(output.err);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  const code = (e as { code?: string; exitCode?: number }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    // commander already printed its message. Asked-for help and the version are not failures; usage shown
    // because a command group was given no subcommand (`cqrsctl events`) is (commander exits it with 1).
    const asked =
      code === 'commander.helpDisplayed' ||
      code === 'commander.version' ||
      (code === 'commander.help' && (e as { exitCode?: number }).exitCode === 0);
    process.exitCode = asked ? ExitCode.ok : ExitCode.usage;
  } else {
    process.exitCode = reportError(e, debug, output);
  }
}
// A finished command exits now, even if a client library (kafkajs timers, pooled sockets) still holds the
// event loop: a CLI that lingers after Ctrl-C looks hung. Output to pipes and files is already written
// (synchronous on Linux).
process.exit(process.exitCode ?? 0);
