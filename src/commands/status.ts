import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { formatBytes, formatMs } from '../lib/format.ts';
import { parseDurationMs } from '../lib/time.ts';
import { every } from '../lib/wait.ts';
import { formatLsn } from '../pg/lsn.ts';
import { selectRuntime } from '../runtime/select.ts';
import { replicaIsDown, type Problem } from '../stack/problems.ts';
import type { KafkaClusterStatus } from '../stack/kafka-cluster.ts';
import { statusReport, type StackStatus, type StatusReport } from '../stack/status.ts';
import { jsonText, type Output } from '../ui/output.ts';
import { colorState, renderTable } from '../ui/table.ts';
import { contextOf } from './context.ts';

/** Services, connector, slot and replicas; exit 1 with a reason and a hint per problem when not healthy. */
export default async function status(opts: { watch?: boolean | string }, command: Command) {
  const { config, json, output } = contextOf(command);
  const runtime = await selectRuntime(config);
  const look = () => statusReport(config, runtime);
  if (opts.watch === undefined || opts.watch === false) {
    const report = await look();
    output.out(json ? jsonText(report) : renderStatus(report, report.problems, output.color));
    return report.healthy ? 0 : 1;
  }
  return watch(opts.watch === true ? DEFAULT_WATCH_MS : parseDurationMs(opts.watch, '--watch'), look, json, output);
}

const DEFAULT_WATCH_MS = 2000;

/**
 * `status --watch`: the status again every interval until Ctrl-C. On a terminal that can redraw, the
 * screen is redrawn in place; elsewhere (a pipe, a log) each look is appended under a time line, and
 * --json gives one JSON document per line. Exits with the last look's verdict.
 */
async function watch(intervalMs: number, look: () => Promise<StatusReport>, json: boolean, output: Output): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const redraw = !json && output.canRedraw() && Boolean(output.stdout.isTTY);
  let healthy = true;
  try {
    await every(
      intervalMs,
      async () => {
        const at = new Date().toISOString();
        const now = await look();
        healthy = now.healthy;
        if (json) output.out(`${JSON.stringify({ at, ...now })}\n`);
        else {
          const head = output.color.dim(`${at} · every ${intervalMs / 1000}s · Ctrl-C to stop`);
          output.out(`${redraw ? '\x1b[H\x1b[2J' : '\n'}${head}\n${renderStatus(now, now.problems, output.color)}`);
        }
      },
      { signal: stop.signal },
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return healthy ? 0 : 1;
}

function renderKafka(k: KafkaClusterStatus, color: ChalkInstance): string {
  const out: string[] = [];
  const leads = (id: number) => k.partitions.filter((p) => p.leader === id).map((p) => `${p.topic}/${p.partition}`);
  out.push(
    renderTable(
      ['broker', 'id', 'state', 'address', 'leads'],
      k.brokers.map((b) => [
        b.name,
        b.id,
        b.state === 'up' ? colorState('running', color) : color.red('down'),
        b.address,
        leads(b.id).join(', ') || '–',
      ]),
      color,
    ),
  );
  if (k.error) out.push(`${color.bold('Kafka')}: ${color.dim(`metadata unknown (${k.error})`)}`);
  else if (!k.underReplicated.length) out.push(`${color.bold('Kafka')}: every partition fully replicated`);
  else
    out.push(
      `${color.bold('Kafka')}: ${color.yellow(`${k.underReplicated.length} under-replicated`)}: ` +
        k.underReplicated
          .slice(0, 8)
          .map((p) => `${p.topic}/${p.partition} (isr ${p.isr.join(',')} of ${p.replicas.join(',')})`)
          .join(', ') +
        (k.underReplicated.length > 8 ? ', …' : ''),
    );
  return out.join('\n');
}

/** `status`: services, connector, Kafka, slot and replication tables, then the verdict with a hint per problem. */
export function renderStatus(s: StackStatus, problems: Problem[], color: ChalkInstance): string {
  const out: string[] = [];
  out.push(`${color.bold('Runtime')}: ${s.runtime.name} ${color.dim(`(${s.runtime.reason})`)}`);
  out.push(
    renderTable(
      ['service', 'state', 'address', 'pid'],
      s.services.map((x) => [x.name, colorState(x.state, color), x.address, x.pid ?? '']),
      color,
    ),
  );
  // With several workers, which one runs what matters (a dead worker's share moves to another).
  const group = s.services.some((x) => /^connect-\d+$/.test(x.name));
  const on = ({ worker, service }: { worker?: string; service?: string }) => {
    if (!group || !worker) return '';
    return ` on ${service ? `${service} (${worker})` : worker}`;
  };
  const tasks = s.connector.tasks.map((t) => `task ${t.id} ${colorState(t.state, color)}${on(t)}`).join(', ');
  out.push(
    `${color.bold('Connector')} ${s.connector.name}: ${colorState(s.connector.state, color)}${on(s.connector)}${tasks ? `, ${tasks}` : ''}`,
  );
  if (s.kafka) out.push(renderKafka(s.kafka, color));
  if (s.slot === null) out.push(`${color.bold('Replication slot')}: not created yet`);
  else if ('error' in s.slot) out.push(`${color.bold('Replication slot')} ${s.slot.name}: ${color.dim('unknown')}`);
  else
    out.push(
      `${color.bold('Replication slot')} ${s.slot.name}: ${s.slot.active ? 'active' : color.yellow('inactive')}, WAL retained ${formatBytes(s.slot.walRetainedBytes)}${s.slot.maxKeepBytes === null ? '' : ` of ${formatBytes(s.slot.maxKeepBytes)}`}, wal_status ${s.slot.warning ? color.yellow(s.slot.walStatus ?? '?') : (s.slot.walStatus ?? '?')}${s.slot.warning ? ` ${color.yellow(`(${s.slot.warning})`)}` : ''}`,
    );
  // Which replicator owns a replica says something only when several share them.
  const shared = s.replicators.length > 1;
  out.push(
    renderTable(
      ['replica', 'applied', 'lsn', 'lag events', 'lag', 'dead-lettered', ...(shared ? ['owner'] : [])],
      s.replication.map((r) => [
        r.name,
        r.error ? color.red(replicaIsDown(r.error) ? 'down' : 'error') : r.appliedEvents,
        r.lastLsn === null ? '–' : formatLsn(BigInt(r.lastLsn)),
        r.error ? '?' : (r.lagEvents ?? '?'),
        r.lagMs === null ? '–' : formatMs(r.lagMs),
        r.deadLettered ? color.red(String(r.deadLettered)) : 0,
        ...(shared ? [r.owner ? r.owner.member.split('@')[0] : '–'] : []),
      ]),
      color,
    ),
  );
  if (shared) out.push(`${color.bold('Replicators')}: ${s.replicators.map((m) => `${m.member} owns ${m.replicas.join(', ')}`).join('; ')}`);
  if (problems.length) {
    out.push(color.red(`Not healthy (${problems.length} problem${problems.length === 1 ? '' : 's'}):`));
    for (const p of problems) out.push(`  ${color.red('✖')} ${p.reason}\n    ${color.dim('hint:')} ${p.hint}`);
  } else {
    out.push(`${color.green('✔')} healthy`);
  }
  return out.join('\n') + '\n';
}
