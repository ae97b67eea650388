import type { SmokeReport } from './phases.ts';

const escape = (s: string) =>
  s
    // XML 1.0 cannot carry these control characters at all, escaped or not.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** The report as JUnit XML (the dialect CI systems read): one testcase per phase, failed ones carrying the reason. */
export function junitXml(report: SmokeReport, timestamp: Date): string {
  const count = (s: string) => report.phases.filter((p) => p.status === s).length;
  const totals = `tests="${report.phases.length}" failures="${count('failed')}" errors="${count('error')}" skipped="${count('skipped')}" time="${report.seconds}"`;
  const cases = report.phases.map((p) => {
    const open = `    <testcase classname="cqrsctl.smoke" name="${p.name}" time="${p.seconds}"`;
    const body =
      p.status === 'failed'
        ? `<failure message="${escape(p.message)}" type="failed">${escape(p.message)}</failure>`
        : p.status === 'error'
          ? `<error message="${escape(p.message)}" type="error">${escape(p.message)}</error>`
          : p.status === 'skipped'
            ? `<skipped message="${escape(p.message)}"/>`
            : `<system-out>${escape(p.message)}</system-out>`;
    return `${open}>\n      ${body}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cqrsctl smoke" ${totals}>`,
    `  <testsuite name="cqrsctl smoke" ${totals} timestamp="${timestamp.toISOString().replace(/\.\d+Z$/, '')}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
