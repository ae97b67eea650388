import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isLoopback } from '../../config/exposure.ts';
import { quoteIdent } from '../../pg/ident.ts';
import type { PgEndpoint } from '../../config/config.ts';
import { CqrsError, usageError } from '../../errors.ts';
import { tailFile } from '../../process/log-file.ts';
import { isAlive } from '../../process/daemon.ts';
import { pgClient } from '../../pg/client.ts';
import { giveToPostgres, pgTool } from './as-postgres.ts';
import type { Layout } from './layout.ts';
import { pgBinDir } from './setup.ts';

const tool = (name: string) => join(pgBinDir, name);

/** One PostgreSQL cluster of the native runtime (the leader or a replica), run with initdb/pg_ctl. */
export class NativeCluster {
  readonly dir: string;
  readonly data: string;
  readonly log: string;

  constructor(
    readonly endpoint: PgEndpoint,
    paths: Layout,
  ) {
    const s = paths.service(endpoint.name);
    this.dir = s.dir;
    this.data = s.data;
    this.log = s.log;
  }

  get isLeader() {
    return this.endpoint.name === 'leader';
  }

  initialized() {
    return existsSync(join(this.data, 'PG_VERSION'));
  }

  /** The postmaster's pid when it runs, read from its own pid file. */
  pid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async init(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    await giveToPostgres(this.dir);
    const probe = await pgTool('test', ['-w', this.dir]);
    if (probe.exitCode !== 0) {
      throw usageError(
        `the postgres system user cannot write to ${this.dir}`,
        'PostgreSQL runs as the postgres user when cqrsctl runs as root; every parent directory of the state dir must be searchable by it. Put the state dir elsewhere with CQRSCTL_HOME=/var/tmp/cqrsctl (or --home).',
      );
    }
    const pwfile = join(this.dir, '.pwfile');
    writeFileSync(pwfile, `${this.endpoint.password}\n`, { mode: 0o600 });
    await giveToPostgres(pwfile);
    try {
      const r = await pgTool(
        tool('initdb'),
        ['-D', this.data, '-U', this.endpoint.user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8'],
        { all: true },
      );
      if (r.exitCode !== 0) throw new CqrsError(`initdb for ${this.endpoint.name} failed:\n${r.all}`, `Remove ${this.data} and try again.`);
    } finally {
      rmSync(pwfile, { force: true });
    }
    appendFileSync(join(this.data, 'postgresql.conf'), "\ninclude_if_exists = 'cqrsctl.conf'\n");
  }

  /** Settings are rewritten at every start, so a changed port or host takes effect on the next `up`. */
  private writeSettings(): void {
    const lines = [
      `listen_addresses = '${this.endpoint.host}'`,
      `port = ${this.endpoint.port}`,
      "unix_socket_directories = ''",
      "log_line_prefix = '%m [%p] %q%u@%d '",
      'max_connections = 100',
    ];
    if (this.isLeader) {
      lines.push('wal_level = logical', 'max_replication_slots = 10', 'max_wal_senders = 10', "max_slot_wal_keep_size = '4GB'");
    }
    writeFileSync(join(this.data, 'cqrsctl.conf'), lines.join('\n') + '\n');
    const loopback = isLoopback(this.endpoint.host);
    const hba = ['local all all scram-sha-256'];
    for (const net of loopback ? ['127.0.0.1/32', '::1/128'] : ['0.0.0.0/0', '::/0']) {
      hba.push(`host all all ${net} scram-sha-256`, `host replication all ${net} scram-sha-256`);
    }
    writeFileSync(join(this.data, 'pg_hba.conf'), hba.join('\n') + '\n');
  }

  async start(): Promise<void> {
    if (!this.initialized()) await this.init();
    this.writeSettings();
    await giveToPostgres(this.dir);
    const r = await pgTool(tool('pg_ctl'), ['-D', this.data, '-l', this.log, '-w', '-t', '60', 'start'], { all: true });
    if (r.exitCode !== 0) {
      throw new CqrsError(`${this.endpoint.name} (PostgreSQL) did not start:\n${r.all}\n${this.logTail(15)}`, `See ${this.log}.`);
    }
    await this.ensureDatabase();
  }

  async stop(): Promise<void> {
    if (!this.pid()) return;
    await pgTool(tool('pg_ctl'), ['-D', this.data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  private async ensureDatabase(): Promise<void> {
    const sql = pgClient(this.endpoint, { database: 'postgres' });
    try {
      const [found] = await sql`select 1 from pg_database where datname = ${this.endpoint.database}`;
      if (!found) await sql.unsafe(`create database ${quoteIdent(this.endpoint.database)}`);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  logTail(lines: number): string {
    return tailFile(this.log, lines);
  }
}
