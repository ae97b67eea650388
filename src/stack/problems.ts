import type { Config } from '../config/config.ts';
import { mentionsRefusedLogin, passwordHint } from '../pg/login.ts';
import { deadLetterTopic } from '../replicator/topics.ts';
import { isReplicatorApp } from './apps.ts';
import type { StackStatus } from './status.ts';

/** One thing that keeps the stack from being healthy: what, why (one line), and what to do about it. */
export interface Problem {
  subject: string;
  reason: string;
  hint: string;
}

const connectionRefused =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|CONNECT_TIMEOUT|EHOSTUNREACH|the database system is (starting up|shutting down)/;

/** Whether a replica that could not be read is down (nothing answers) rather than failing in another way. */
export const replicaIsDown = (error: string) => connectionRefused.test(error);

/**
 * Everything `status` finds wrong, each with a reason and a hint; healthy means this list is empty. Services
 * come first, because a stopped leader or Connect also explains the connector's and the slot's state.
 */
export function diagnose(s: StackStatus, config: Config): Problem[] {
  const problems: Problem[] = [];
  const down = new Set<string>();
  // A wrong password makes every database look broken: one problem, naming them, with the one fix.
  const refused = [
    ...s.services.filter((x) => x.detail && mentionsRefusedLogin(x.detail)).map((x) => x.name),
    ...s.replication.filter((r) => r.error && mentionsRefusedLogin(r.error)).map((r) => r.name),
    ...(s.slot && 'error' in s.slot && mentionsRefusedLogin(s.slot.error) ? ['leader'] : []),
  ];
  const refusing = [...new Set(refused)];
  if (refusing.length) {
    problems.push({
      subject: 'password',
      reason: `${refusing.join(', ')} refuse${refusing.length === 1 ? 's' : ''} the login of user ${config.settings.dbUser}`,
      hint: passwordHint,
    });
  }
  const refusedLogin = (detail?: string) => Boolean(detail && mentionsRefusedLogin(detail));
  for (const svc of s.services) {
    if (svc.state === 'running' || refusedLogin(svc.detail)) continue;
    down.add(svc.name);
    const app = isReplicatorApp(svc.name) || svc.name === 'write-api';
    if (svc.state === 'stopped') {
      problems.push({
        subject: svc.name,
        reason: `${svc.name} is not running`,
        hint: app
          ? `\`cqrsctl up --detach\` starts it${isReplicatorApp(svc.name) ? ' (or run it in the foreground: `cqrsctl replicate`)' : ''}.`
          : '`cqrsctl up` starts it; `cqrsctl logs ' + svc.name + '` says why it stopped.',
      });
    } else if (s.runtime.name === 'external') {
      problems.push({
        subject: svc.name,
        reason: `${svc.name} does not answer at ${svc.address}${svc.detail ? `: ${svc.detail}` : ''}`,
        hint: 'It runs outside cqrsctl: check it where it runs, or its address (`cqrsctl config`).',
      });
    } else if (svc.state === 'unhealthy') {
      problems.push({
        subject: svc.name,
        reason: `${svc.name} runs (pid ${svc.pid ?? '?'}) but does not answer at ${svc.address}${svc.detail ? `: ${svc.detail}` : ''}`,
        hint: `\`cqrsctl logs ${svc.name} --tail 50\` says why.`,
      });
    } else {
      problems.push({
        subject: svc.name,
        reason: `${svc.name} at ${svc.address} was not started by cqrsctl`,
        hint: 'Stop it, or point cqrsctl elsewhere (`cqrsctl config` lists the addresses).',
      });
    }
  }

  const c = s.connector;
  const name = `connector ${c.name}`;
  if (c.state === 'NOT REGISTERED') {
    problems.push({
      subject: 'connector',
      reason: `${name} is not registered in Kafka Connect: no change is captured`,
      hint: '`cqrsctl up` registers it.',
    });
  } else if (c.state === 'UNKNOWN') {
    if (![...down].some((name) => /^connect(-\d+)?$/.test(name)))
      problems.push({
        subject: 'connector',
        reason: `${name}: state unknown (${c.error ?? 'no answer'})`,
        hint: '`cqrsctl logs connect --tail 50`.',
      });
  } else if (c.state === 'PAUSED') {
    problems.push({
      subject: 'connector',
      reason: `${name} is PAUSED: no change is captured, and the leader keeps WAL for it meanwhile`,
      hint: '`cqrsctl connector resume`.',
    });
  } else if (c.state === 'FAILED' || c.tasks.some((t) => t.state === 'FAILED')) {
    const task = c.tasks.find((t) => t.state === 'FAILED');
    const trace = (c.state === 'FAILED' ? c.trace : task?.trace) ?? 'no trace';
    problems.push({
      subject: 'connector',
      reason: `${name}${c.state === 'FAILED' ? '' : ` task ${task!.id}`} FAILED: ${trace.split('\n')[0]}`,
      hint: 'Fix the cause, then `cqrsctl connector restart`; full trace: `cqrsctl connector status --json`, `cqrsctl logs connect`.',
    });
  } else if (c.state !== 'RUNNING') {
    problems.push({
      subject: 'connector',
      reason: `${name} is ${c.state}`,
      hint: 'Wait a moment (it may be starting), then `cqrsctl connector status`; `cqrsctl connector restart` if it stays so.',
    });
  } else if (!c.tasks.length || c.tasks.some((t) => t.state !== 'RUNNING')) {
    const states = c.tasks.map((t) => `task ${t.id} ${t.state}`).join(', ') || 'no task assigned';
    problems.push({
      subject: 'connector',
      reason: `${name} is RUNNING but not its task (${states})`,
      hint: '`cqrsctl connector restart`.',
    });
  }

  if (s.kafka?.error && !s.kafka.brokers.every((b) => down.has(b.name))) {
    problems.push({
      subject: 'kafka',
      reason: `cannot read the broker cluster's metadata (${s.kafka.error})`,
      hint: '`cqrsctl logs broker-1 --tail 50`.',
    });
  }
  const under = s.kafka?.underReplicated ?? [];
  if (under.length) {
    const missing = [...new Set(under.flatMap((p) => p.replicas.filter((r) => !p.isr.includes(r))))].sort((a, b) => a - b);
    problems.push({
      subject: 'kafka',
      reason: `${under.length} partition${under.length === 1 ? ' is' : 's are'} under-replicated (broker${missing.length === 1 ? '' : 's'} ${missing.join(', ')} out of sync): one more broker lost could stop writes or lose events`,
      hint:
        s.runtime.name === 'external'
          ? 'Bring the missing broker back where it runs; it catches up on its own.'
          : '`cqrsctl up` starts a stopped broker again; it catches up on its own.',
    });
  }

  if (s.slot && 'error' in s.slot && !down.has('leader') && !refusedLogin(s.slot.error)) {
    problems.push({
      subject: 'slot',
      reason: `replication slot ${s.slot.name}: cannot read it (${s.slot.error})`,
      hint: '`cqrsctl logs leader --tail 50`.',
    });
  }
  if (s.slot && 'warning' in s.slot && s.slot.warning) {
    problems.push({
      subject: 'slot',
      reason: `replication slot ${s.slot.name}: ${s.slot.warning}`,
      hint: 'Check the connector (`cqrsctl connector status`, `cqrsctl logs connect`); raise max_slot_wal_keep_size on the leader if the backlog is expected.',
    });
  }

  for (const r of s.replication) {
    if (r.error && !refusedLogin(r.error)) {
      if (replicaIsDown(r.error)) {
        problems.push({
          subject: r.name,
          reason: `${r.name} is down (${r.error}); it gets no changes meanwhile`,
          hint: '`cqrsctl up` starts it again; the replicator catches it up on its own.',
        });
      } else {
        problems.push({
          subject: r.name,
          reason: `${r.name}: cannot read its replication progress (${r.error})`,
          hint: `\`cqrsctl logs ${r.name} --tail 50\`.`,
        });
      }
    }
    if (r.deadLettered > 0) {
      problems.push({
        subject: r.name,
        reason: `${r.name} could not apply ${r.deadLettered} event${r.deadLettered === 1 ? '' : 's'} (dead-lettered)${r.lastDeadLetter ? `; latest: ${r.lastDeadLetter}` : ''}`,
        hint: `Those rows differ from the leader. Each event is in the topic ${deadLetterTopic(config)} with the reason in its cqrsctl.reason header; see them with \`cqrsctl dlq list\`, fix the cause, then \`cqrsctl dlq replay\` (or \`cqrsctl verify-replicas --repair\`).`,
      });
    }
  }
  return problems;
}
