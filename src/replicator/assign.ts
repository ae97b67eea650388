/**
 * Which replicas each member of the replicator group applies to (partition i of the coordination topic is
 * replica i+1). Sticky: each member keeps what it owns as far as a balanced split allows, so a member
 * joining or leaving moves only the replicas that must move — a moved replica goes through a claim and a
 * catch-up, a kept one never pauses. Balanced: counts differ by at most one.
 */
export function assignReplicas(members: { id: string; owned: number[] }[], partitions: number): Map<string, number[]> {
  const out = new Map<string, number[]>(members.map((m) => [m.id, []]));
  if (members.length === 0) return out;
  const base = Math.floor(partitions / members.length);
  let extra = partitions % members.length;
  const taken = new Set<number>();
  // Members that own most keep first, so the extra slots go to those that would otherwise give some up.
  const byOwned = [...members].sort((a, b) => b.owned.length - a.owned.length || a.id.localeCompare(b.id));
  for (const m of byOwned) {
    const mine = [...new Set(m.owned)].filter((p) => p >= 0 && p < partitions && !taken.has(p)).sort((a, b) => a - b);
    const limit = base + (extra > 0 && mine.length > base ? 1 : 0);
    if (limit > base) extra--;
    for (const p of mine.slice(0, limit)) {
      out.get(m.id)!.push(p);
      taken.add(p);
    }
  }
  // The rest to the least loaded: no member ends above base + 1, and only as many as the extra slots left.
  for (let p = 0; p < partitions; p++) {
    if (taken.has(p)) continue;
    const target = [...members].sort((a, b) => out.get(a.id)!.length - out.get(b.id)!.length || a.id.localeCompare(b.id))[0];
    out.get(target.id)!.push(p);
  }
  for (const ps of out.values()) ps.sort((a, b) => a - b);
  return out;
}
