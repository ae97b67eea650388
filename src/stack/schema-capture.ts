import type postgres from 'postgres';
import type { CaptureScope } from '../config/scope.ts';
import { SNAPSHOT_SETTINGS, SNAPSHOT_SQL } from '../replicator/schema/snapshot.ts';

/** Rows of a rewritten table travel in chunks of about this many bytes (Kafka's default message limit is 1 MB). */
const CHUNK_BYTES = 256 * 1024;

/**
 * Puts schema changes into the change stream, ordered with the data. An event trigger at the end of every
 * DDL command records the captured catalog as it now is (SNAPSHOT_SQL) into cqrsctl.schema_changes, a
 * captured table: the row commits with the DDL, so it reaches the replicator at the DDL's place in commit
 * order, and the replicator never has to read the leader's catalog as it is later. A command that leaves
 * the captured catalog as it was (GRANT, COMMENT, a function) records nothing.
 *
 * Some DDL rewrites a table's rows without any row event: a volatile default (ADD COLUMN … DEFAULT
 * gen_random_uuid()) or a type change with a USING expression. The table_rewrite trigger notes such a
 * table, and the capture then ships its new rows (cqrsctl.rewrite_rows, deleted again at once; their
 * REPLICA IDENTITY DEFAULT keeps those deletes small), which the replicas load in place of theirs. A type
 * change without USING is not shipped: the replica's own cast gives the same values. Concurrent DDL is
 * serialised by an advisory lock so each snapshot includes every earlier committed one (READ COMMITTED).
 * record_schema is SECURITY DEFINER so that a role running migrations needs no rights on schema cqrsctl.
 */
const schemaCaptureSql = `
create table if not exists cqrsctl.capture_scope (
  id int primary key default 1 check (id = 1),
  schemas text[] not null, exclude_schemas text[] not null, tables text[] not null, exclude_tables text[] not null);
create table if not exists cqrsctl.schema_changes (
  id bigserial primary key, tag text not null, snapshot jsonb not null,
  rewritten bigint[] not null default '{}', recorded_at timestamptz not null default now());
create table if not exists cqrsctl.rewrite_rows (
  change_id bigint not null, relid bigint not null, chunk int not null, rows jsonb not null,
  primary key (change_id, relid, chunk));
alter table cqrsctl.rewrite_rows replica identity default;

create or replace function cqrsctl.record_schema(tag text, rewrites text) returns void language plpgsql
security definer ${Object.entries(SNAPSHOT_SETTINGS)
  .map(([k, v]) => `set ${k} = '${v}'`)
  .join(' ')} as $fn$
declare
  s record; snap jsonb; previous jsonb; change bigint; ship bigint[] := '{}'; item text; rel oid; reason int;
begin
  perform pg_advisory_xact_lock(hashtext('cqrsctl.schema-capture'));
  select * into s from cqrsctl.capture_scope;
  if not found then return; end if;
  execute $snapshot$${SNAPSHOT_SQL}$snapshot$ into snap using s.schemas, s.exclude_schemas, s.tables, s.exclude_tables;
  foreach item in array string_to_array(coalesce(rewrites, ''), ',') loop
    continue when item = '';
    rel := split_part(item, ':', 1)::oid;
    reason := split_part(item, ':', 2)::int;
    -- 2: a default computed per row; 4: a column rewritten, whose values differ from a plain cast only with USING.
    if ((reason & 2) <> 0 or ((reason & 4) <> 0 and current_query() ~* '\\musing\\M'))
       and not rel::bigint = any(ship)
       and exists (select 1 from jsonb_array_elements(snap->'tables') t where (t->>'oid')::oid = rel) then
      ship := ship || rel::bigint;
    end if;
  end loop;
  select c.snapshot into previous from cqrsctl.schema_changes c order by c.id desc limit 1;
  if previous is not distinct from snap and cardinality(ship) = 0 then return; end if;
  insert into cqrsctl.schema_changes (tag, snapshot, rewritten) values (record_schema.tag, snap, ship) returning id into change;
  foreach rel in array ship loop
    execute format(
      'insert into cqrsctl.rewrite_rows (change_id, relid, chunk, rows) '
      'select %s, %s, chunk, jsonb_agg(r) from (select to_jsonb(t) as r, '
      '(sum(pg_column_size(t.*)) over (order by t.ctid))::bigint / ${CHUNK_BYTES} as chunk from %s t) c group by chunk',
      change, rel, rel::regclass);
  end loop;
  delete from cqrsctl.rewrite_rows where change_id = change;
end $fn$;

create or replace function cqrsctl.note_rewrite() returns event_trigger language plpgsql as $fn$
begin
  perform set_config('cqrsctl.rewrites',
    coalesce(current_setting('cqrsctl.rewrites', true), '') || pg_event_trigger_table_rewrite_oid() || ':' || pg_event_trigger_table_rewrite_reason() || ',', true);
end $fn$;

create or replace function cqrsctl.capture_schema() returns event_trigger language plpgsql as $fn$
declare rewrites text := current_setting('cqrsctl.rewrites', true);
begin
  perform set_config('cqrsctl.rewrites', '', true);
  perform cqrsctl.record_schema(tg_tag, rewrites);
end $fn$;

drop event trigger if exists cqrsctl_note_rewrite;
create event trigger cqrsctl_note_rewrite on table_rewrite execute function cqrsctl.note_rewrite();
drop event trigger if exists cqrsctl_capture_schema;
create event trigger cqrsctl_capture_schema on ddl_command_end execute function cqrsctl.capture_schema();`;

/**
 * Installs the capture, stores the scope and records the catalog as it is now when it differs from the
 * last recorded one (a first `up`, or a changed scope), so the replicas start from the leader's schema,
 * empty tables included.
 */
export async function installSchemaCapture(tx: postgres.TransactionSql, scope: CaptureScope): Promise<void> {
  await tx.unsafe(schemaCaptureSql);
  const arr = (xs: string[]) => `{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  await tx`
    insert into cqrsctl.capture_scope (id, schemas, exclude_schemas, tables, exclude_tables)
    values (1, ${arr(scope.schemas)}::text[], ${arr(scope.excludeSchemas)}::text[], ${arr(scope.tables)}::text[], ${arr(scope.excludeTables)}::text[])
    on conflict (id) do update set schemas = excluded.schemas, exclude_schemas = excluded.exclude_schemas,
      tables = excluded.tables, exclude_tables = excluded.exclude_tables`;
  await tx`select cqrsctl.record_schema('BASELINE', '')`;
}
