import postgres from 'postgres';
import type { PgEndpoint } from '../config/config.ts';
import { pgClient } from '../pg/client.ts';
import { migrations as demoMigrations, type Migration } from './migrations.ts';

/**
 * Applies the migrations the database has not recorded yet and returns their ids. Safe to run from
 * several `up`s at once: an advisory lock serialises them, and each migration commits together with
 * its record, so a crash leaves either both or neither.
 */
export async function applyMigrations(endpoint: PgEndpoint, migrations: Migration[] = demoMigrations): Promise<string[]> {
  const sql = pgClient(endpoint);
  try {
    return await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('cqrsctl.migrations'))`;
      await tx.unsafe('create schema if not exists cqrsctl');
      await tx.unsafe(
        'create table if not exists cqrsctl.schema_migrations (id text primary key, applied_at timestamptz not null default now())',
      );
      const done = new Set((await tx<{ id: string }[]>`select id from cqrsctl.schema_migrations`).map((r) => r.id));
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.id)) continue;
        await tx.unsafe(m.sql);
        await tx`insert into cqrsctl.schema_migrations (id) values (${m.id})`;
        applied.push(m.id);
      }
      return applied;
    });
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Whether the demo schema is on the leader, so commands that need it can say what to run instead. */
export async function schemaApplied(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ present: boolean }[]>`select to_regclass('public.order_items') is not null as present`;
  return row.present;
}
