import type { UpResult } from '../stack/up.ts';

/** What `up` says when the stack is up: what it started (or that nothing was to do), and what to try next. */
export function upSummary(u: { runtime: string; result: UpResult; apps: string[]; dashboardUrl: string }): string[] {
  const started = [...u.result.started, ...u.apps];
  return [
    started.length === 0 && u.result.connector === 'unchanged'
      ? `Everything is already running (${u.runtime} runtime); nothing to do.`
      : `Stack is up (${u.runtime} runtime)${started.length ? `; started ${started.join(', ')}` : ''}; connector ${u.result.connector}.`,
    'Next: `cqrsctl status` to look around, `cqrsctl logs <service>` to read a log, `cqrsctl down` to stop.',
    `Dashboard: \`cqrsctl dashboard\` serves a live page on ${u.dashboardUrl}`,
  ];
}
