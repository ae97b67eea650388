import type { Values } from './classify.ts';
import type { TableDiff } from './compare-table.ts';
import type { VerifyReport } from './verify.ts';

export type Row = Record<string, string | null>;

/** One replica × table as users read it: counts, and the first `limit` keys of each class. */
export interface TableSummary extends Omit<TableDiff, 'missing' | 'extra' | 'changed' | 'keyColumns'> {
  missing: number;
  extra: number;
  changed: number;
  /** Keys (whole rows when keyless) by class, at most `limit` of each. */
  samples: { missing: Row[]; extra: Row[]; changed: { key: Row; columns: string[] }[] };
}

const named = (columns: string[], values: Values): Row => Object.fromEntries(columns.map((c, i) => [c, values[i]]));

function summarizeTable(d: TableDiff, limit: number): TableSummary {
  const { missing, extra, changed, keyColumns, ...rest } = d;
  return {
    ...rest,
    missing: missing.length,
    extra: extra.length,
    changed: changed.length,
    samples: {
      missing: missing.slice(0, limit).map((k) => named(keyColumns, k)),
      extra: extra.slice(0, limit).map((k) => named(keyColumns, k)),
      changed: changed.slice(0, limit).map((c) => ({ key: named(keyColumns, c.key), columns: c.columns })),
    },
  };
}

export type ReportSummary = Omit<VerifyReport, 'tables' | 'beforeRepair'> & { tables: TableSummary[]; beforeRepair?: TableSummary[] };

/** The report with key lists cut to `limit` per class (the counts stay exact), e.g. for --json. */
export function summarizeReport(r: VerifyReport, limit: number): ReportSummary {
  const { tables, beforeRepair, ...rest } = r;
  return {
    ...rest,
    tables: tables.map((t) => summarizeTable(t, limit)),
    ...(beforeRepair ? { beforeRepair: beforeRepair.map((t) => summarizeTable(t, limit)) } : {}),
  };
}
