import { quoteIdent } from '../pg/ident.ts';
import type { Config } from '../config/config.ts';
import { publicationName } from '../connect/template.ts';
import { pgClient } from '../pg/client.ts';
import { captureScope } from '../config/scope.ts';
import { installSchemaCapture } from './schema-capture.ts';

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
 */
export async function prepareLeader(config: Config): Promise<void> {
  const s = config.settings;
  const sql = pgClient(config.leader);
  const role = quoteIdent(s.cdcUser);
  try {
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
      const pub = publicationName(config);
      const [hasPub] = await tx`select 1 from pg_publication where pubname = ${pub}`;
      if (!hasPub) await tx.unsafe(`create publication ${quoteIdent(pub)} for all tables`);
      await tx.unsafe(replicaIdentityTrigger);
      await installSchemaCapture(tx, captureScope(s));
      const tables = await tx<{ name: string }[]>`
        select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and c.relreplident <> 'f' and c.relpersistence = 'p'
          and c.oid <> 'cqrsctl.rewrite_rows'::regclass
          and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'`;
      for (const t of tables) await tx.unsafe(`alter table ${t.name} replica identity full`);
    });
  } finally {
    await sql.end({ timeout: 1 });
  }
}

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
