import postgres from 'postgres';
import type { Config } from '../config/config.ts';
import { publicationName } from '../connect/template.ts';
import { pgOptions } from '../runtime/probes.ts';

/**
 * What Debezium needs on the leader, created idempotently as the superuser: a login role with REPLICATION
 * that can read every table (now and later), the heartbeat table its heartbeat query writes, and a
 * publication for all tables, so tables created later are captured without re-registering.
 */
export async function prepareLeader(config: Config): Promise<void> {
  const s = config.settings;
  const sql = postgres({ ...pgOptions(config.leader), max: 1, onnotice: () => {} });
  const role = ident(s.cdcUser);
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
      if (!hasPub) await tx.unsafe(`create publication ${ident(pub)} for all tables`);
    });
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
