import type { ChalkInstance } from 'chalk';
import type { SmokeReport } from '../smoke/phases.ts';

/** `smoke`'s report: one line per phase with its outcome and time, the verdict, where the JUnit report went. */
export function renderSmokeReport(report: SmokeReport, junit: string | undefined, color: ChalkInstance): string {
  const marks = { passed: color.green('✔'), failed: color.red('✖'), error: color.red('✖'), skipped: color.dim('–') };
  const lines = report.phases.map(
    (p) => `${marks[p.status]} ${p.name} ${color.dim(`(${p.seconds}s)`)}: ${p.status === 'passed' ? '' : `${p.status}: `}${p.message}`,
  );
  lines.push(
    report.passed ? color.green(`Smoke test passed in ${report.seconds}s.`) : color.red(`Smoke test did not pass (${report.seconds}s).`),
  );
  if (junit) lines.push(color.dim(`JUnit report: ${junit}`));
  return `${lines.join('\n')}\n`;
}
