import { quoteIdent } from '../pg/ident.ts';
import type { Config } from '../config/config.ts';
import { publicationName } from '../connect/template.ts';
import { pgClient } from '../pg/client.ts';
import { captureScope } from '../config/scope.ts';
import { installSchemaCapture, schemaCaptureSql } from './schema-capture.ts';
import { createHash } from 'node:crypto';

/**
 * What Debezium needs on the leader, created idempotently as the superuser: a login role with REPLICATION
 * that can read every table (now and later), the heartbeat table its heartbeat query writes, and a
 * publication for all tables, so tables created later are captured without re-registering.
 *
 * Every table also gets REPLICA IDENTITY FULL — existing ones here, new ones from an event trigger in the
 * same transaction as their CREATE TABLE, so no change is ever logged without it. Why: with the default
 * identity an UPDATE that leaves a TOASTed (> ~2 kB) column alone reaches Debezium without that column
 * and becomes the `__debezium_unavailable_value` placeholder, which for a primary-key change cannot be
 * repaired on the replica (the old row is gone); FULL makes Debezium copy the value from the old tuple.
 * It also makes UPDATE/DELETE legal on keyless tables under a FOR ALL TABLES publication: without a
 * replica identity PostgreSQL refuses them on the leader ("cannot update table … because it does not have
 * a replica identity and publishes updates"), so an application that never declared a key would break.
 * The price is larger WAL and `before` images for updates and deletes.
 *
 * A leader prepared before with the same settings and the same SQL is left alone after one query (a
 * no-op `up` stays quick): the preparation's fingerprint is kept as the comment of schema cqrsctl, which
 * puts nothing in the change stream.
 */
export async function prepareLeader(config: Config): Promise<void> {
  const s = config.settings;
  const sql = pgClient(config.leader);
  const role = quoteIdent(s.cdcUser);
  const pub = publicationName(config);
  const fingerprint = `cqrsctl prepared ${createHash('sha256')
    .update(JSON.stringify([s.cdcUser, s.cdcPassword, pub, captureScope(s), replicaIdentityTrigger, schemaCaptureSql]))
    .digest('hex')}`;
  try {
    const [done] = await sql.unsafe<{ mark: string | null; loose: number }[]>(`
      select (select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = 'cqrsctl') as mark,
        (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace ${notFull}) as loose`);
    if (done.mark === fingerprint && done.loose === 0) return;
    await sql.begin(async (tx) => {
      // Serialise concurrent `up`s: role and publication creation are not idempotent under a race.
      await tx`select pg_advisory_xact_lock(hashtext('cqrsctl.prepare-leader'))`;
      const [exists] = await tx`select 1 from pg_roles where rolname = ${s.cdcUser}`;
      await tx.unsafe(`${exists ? 'alter' : 'create'} role ${role} with login replication password ${literal(s.cdcPassword)}`);
      await tx.unsafe(`grant pg_read_all_data to ${role}`);
      await tx.unsafe('create schema if not exists cqrsctl');
      await tx.unsafe('create table if not exists cqrsctl.heartbeat (id int primary key, beat_at timestamptz not null)');
      await tx.unsafe(`grant usage on schema cqrsctl to ${role}`);
      await tx.unsafe(`grant select, insert, update on cqrsctl.heartbeat to ${role}`);
      const [hasPub] = await tx`select 1 from pg_publication where pubname = ${pub}`;
      if (!hasPub) await tx.unsafe(`create publication ${quoteIdent(pub)} for all tables`);
      await tx.unsafe(replicaIdentityTrigger);
      await installSchemaCapture(tx, captureScope(s));
      const tables = await tx.unsafe<{ name: string }[]>(
        `select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace ${notFull}`,
      );
      for (const t of tables) await tx.unsafe(`alter table ${t.name} replica identity full`);
      await tx.unsafe(`comment on schema cqrsctl is ${literal(fingerprint)}`);
    });
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** The tables (after `from pg_class c join pg_namespace n`) that should have REPLICA IDENTITY FULL and lack it. */
const notFull = `
  where c.relkind in ('r', 'p') and c.relreplident <> 'f' and c.relpersistence = 'p'
    and not (n.nspname = 'cqrsctl' and c.relname = 'rewrite_rows')
    and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'`;

const replicaIdentityTrigger = `
create or replace function cqrsctl.replica_identity_full() returns event_trigger language plpgsql as $fn$
declare r record;
begin
  for r in select object_identity from pg_event_trigger_ddl_commands() where object_type = 'table' loop
    execute format('alter table %s replica identity full', r.object_identity);
  end loop;
end $fn$;
drop event trigger if exists cqrsctl_replica_identity_full;
create event trigger cqrsctl_replica_identity_full on ddl_command_end
  when tag in ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO')
  execute function cqrsctl.replica_identity_full();`;

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
