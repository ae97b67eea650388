import type { Snapshot } from './snapshot.ts';

/**
 * A replica's catalog re-keyed by the leader's identities: every object that has a namesake in `leader`
 * takes its OID (columns their attnum, enum labels their OID), every other one gets an identity the
 * leader cannot have. diffSchema(alignByName(replica, leader), leader) then says how to make the replica's
 * definitions the leader's when the replicator's own record of them cannot be trusted (verify --repair):
 * a same-named object is altered in place, an unknown one is dropped, a missing one created.
 */
export function alignByName(replica: Snapshot, leader: Snapshot): Snapshot {
  let fresh = -1;
  const match = (theirs: { oid: number } | undefined) => (theirs ? theirs.oid : fresh--);
  const byName = <T extends { schema: string; name: string }>(xs: T[]) => new Map(xs.map((x) => [`${x.schema}.${x.name}`, x]));
  const tables = byName(leader.tables);
  const tableOid = new Map<number, number>();
  const aligned: Snapshot = {
    schemas: replica.schemas.map((s) => ({ ...s, oid: match(leader.schemas.find((x) => x.name === s.name)) })),
    types: replica.types.map((t) => {
      const theirs = leader.types.find((x) => x.schema === t.schema && x.name === t.name && x.kind === t.kind);
      if (t.kind === 'enum' && theirs?.kind === 'enum') {
        return {
          ...t,
          oid: theirs.oid,
          labels: t.labels.map((l) => ({ ...l, oid: theirs.labels.find((x) => x.label === l.label)?.oid ?? fresh-- })),
        };
      }
      if (t.kind === 'composite' && theirs?.kind === 'composite') {
        return {
          ...t,
          oid: theirs.oid,
          attributes: t.attributes.map((a) => ({
            ...a,
            attnum: theirs.attributes.find((x) => x.name === a.name)?.attnum ?? 10_000 - fresh--,
          })),
        };
      }
      return { ...t, oid: match(theirs) };
    }),
    sequences: replica.sequences.map((q) => ({ ...q, oid: match(byName(leader.sequences).get(`${q.schema}.${q.name}`)) })),
    tables: replica.tables.map((t) => {
      const theirs = tables.get(`${t.schema}.${t.name}`);
      const oid = match(theirs);
      tableOid.set(t.oid, oid);
      return {
        ...t,
        oid,
        // Columns the leader lacks get attnums it cannot have; constraints and indexes match by name.
        columns: t.columns.map((c) => ({ ...c, attnum: theirs?.columns.find((x) => x.name === c.name)?.attnum ?? 10_000 - fresh-- })),
        constraints: t.constraints.map((k) => ({ ...k, oid: match(theirs?.constraints.find((x) => x.name === k.name)) })),
        indexes: t.indexes.map((i) => ({ ...i, oid: match(theirs?.indexes.find((x) => x.name === i.name)) })),
      };
    }),
  };
  // References between objects follow the new identities.
  for (const t of aligned.tables)
    if (t.partitionOf) t.partitionOf = { ...t.partitionOf, parent: tableOid.get(t.partitionOf.parent) ?? fresh-- };
  for (const q of aligned.sequences) if (q.ownedBy) q.ownedBy = { ...q.ownedBy, table: tableOid.get(q.ownedBy.table) ?? fresh-- };
  return aligned;
}
