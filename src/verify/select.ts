import type { PgEndpoint } from '../config/config.ts';
import { usageError } from '../errors.ts';

/** The replicas named by --replica (all when none is named); an unknown name is a usage error listing the valid ones. */
export function selectReplicas(all: PgEndpoint[], names: string[] = []): PgEndpoint[] {
  if (!names.length) return all;
  const byName = new Map(all.map((r) => [r.name, r]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length)
    throw usageError(`unknown replica ${unknown.map((n) => `"${n}"`).join(', ')}`, `Replicas: ${all.map((r) => r.name).join(', ')}.`);
  return [...new Set(names)].map((n) => byName.get(n)!);
}

/**
 * The tables named by --table among those that exist on the leader or a replica (all of them when none is
 * named). A name is `schema.table` as stored (no quoting needed), or a bare table name found in `public`
 * or in exactly one schema.
 */
export function selectTables(known: string[], names: string[] = []): string[] {
  const all = [...new Set(known)].sort();
  if (!names.length) return all;
  const resolve = (name: string) => {
    if (all.includes(name)) return name;
    if (all.includes(`public.${name}`)) return `public.${name}`;
    const matches = all.filter((id) => id.slice(id.indexOf('.') + 1) === name);
    return matches.length === 1 ? matches[0] : undefined;
  };
  const unknown = names.filter((n) => !resolve(n));
  if (unknown.length) {
    throw usageError(
      `unknown table ${unknown.map((n) => `"${n}"`).join(', ')}`,
      all.length ? `Tables: ${all.join(', ')}.` : 'There are no user tables on the leader or the replicas.',
    );
  }
  return [...new Set(names.map((n) => resolve(n)!))];
}
