import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import completion from '../../src/commands/completion.ts';
import config from '../../src/commands/config.ts';
import { contextOf } from '../../src/commands/context.ts';
import { enableDebug, debug } from '../../src/lib/debug.ts';
import { CqrsError, ExitCode } from '../../src/errors.ts';
import { jsonText, useOutput } from '../../src/ui/output.ts';
import { reportError } from '../../src/ui/report-error.ts';
import { terminalProgress } from '../../src/ui/terminal-progress.ts';
import { capturedOutput } from '../helpers/output.ts';

const RED = '\u001b[31m';

describe('Output', () => {
  it('sends results to stdout and the rest to stderr, each with colours decided for its own stream', () => {
    const { output, stdout, stderr } = capturedOutput({ tty: { stdout: false, stderr: true } });
    output.out(`${output.color.red('result')}\n`);
    output.err(`${output.errColor.red('progress')}\n`);
    assert.equal(stdout(), 'result\n');
    assert.equal(stderr(), `${RED}progress\u001b[39m\n`);
  });

  it('has no colour anywhere with NO_COLOR, even on terminals', () => {
    const { output } = capturedOutput({ tty: { stdout: true, stderr: true }, env: { NO_COLOR: '1' } });
    assert.equal(output.color.red('x') + output.errColor.red('y'), 'xy');
    assert.equal(output.canRedraw(), false, 'a captured stream has no width: no spinner');
  });

  it('prints --json as indented JSON with a final newline', () => {
    assert.equal(jsonText({ a: [1] }), '{\n  "a": [\n    1\n  ]\n}\n');
  });

  it('reports a known error and its hint on stderr (coloured there only), a bug as a bug', () => {
    const known = capturedOutput({ tty: { stderr: true } });
    const code = reportError(new CqrsError('no such table', 'create it', ExitCode.usage), false, known.output);
    assert.equal(code, ExitCode.usage);
    assert.equal(known.stdout(), '');
    assert.equal(known.stderr(), `${RED}error:\u001b[39m no such table\n\u001b[2mhint:\u001b[22m create it\n`);
    const bug = capturedOutput();
    assert.equal(reportError(new TypeError('x is undefined'), false, bug.output), ExitCode.bug);
    assert.match(bug.stderr(), /^internal error: TypeError: x is undefined\n[\s\S]*This is a bug in cqrsctl; please report it/);
  });

  it('carries progress on stderr: a plain line per finished step where no spinner can be drawn', async () => {
    const { output, stdout, stderr } = capturedOutput();
    const progress = terminalProgress(output);
    assert.equal(await progress.step('Starting leader', async () => 'up'), 'up');
    await assert.rejects(progress.step('Registering connector', () => Promise.reject(new Error('no'))));
    progress.warn('slot inactive');
    progress.info('Next: cqrsctl status');
    assert.equal(stdout(), '');
    assert.match(
      stderr(),
      /^✔ Starting leader \(\d+\.\ds\)\n✖ Registering connector \(\d+\.\ds\)\n! slot inactive\nNext: cqrsctl status\n$/,
    );
  });

  it('takes --debug lines on its stderr writer', () => {
    const { output, stderr } = capturedOutput();
    enableDebug(output.err);
    try {
      debug('SQL connect leader at 127.0.0.1:5432 as postgres');
    } finally {
      enableDebug(() => {});
    }
    assert.equal(stderr(), 'debug: SQL connect leader at 127.0.0.1:5432 as postgres\n');
  });
});

/** A program as the CLI builds it, small: the global flags a context reads, and one command. */
function program(name: string, run: (...args: any[]) => Promise<any>, args?: string) {
  const p = new Command('cqrsctl').option('--home <dir>').exitOverride();
  const c = p.command(name).option('--json').action(run);
  if (args) c.argument(args);
  return p;
}

describe('commands write through the output in their context', () => {
  const home = mkdtempSync(join(tmpdir(), 'cqrsctl-output-'));
  process.on('exit', () => rmSync(home, { recursive: true, force: true }));

  it('contextOf hands out the output the program was given', async () => {
    const { output } = capturedOutput();
    let seen: unknown;
    const p = program('look', async (_opts: object, cmd: Command) => void (seen = contextOf(cmd, { stack: 'report' }).output));
    useOutput(p, output);
    await p.parseAsync(['look', '--home', home], { from: 'user' });
    assert.equal(seen, output);
  });

  it('`config --json` prints its JSON on stdout and nothing on stderr', async () => {
    const captured = capturedOutput();
    const p = program('config', config);
    useOutput(p, captured.output);
    await p.parseAsync(['config', '--home', home, '--json'], { from: 'user' });
    assert.equal(captured.stderr(), '');
    const shown = JSON.parse(captured.stdout()) as { settings: Record<string, string>; conflicts: unknown[] };
    assert.equal(shown.settings.home, home);
    assert.deepEqual(shown.conflicts, []);
  });

  it('`completion bash` prints the script on stdout', async () => {
    const captured = capturedOutput();
    const p = program('completion', completion, '<shell>');
    useOutput(p, captured.output);
    await p.parseAsync(['completion', 'bash', '--home', home], { from: 'user' });
    assert.match(captured.stdout(), /^# cqrsctl completion for bash[\s\S]*complete -F _cqrsctl cqrsctl\n$/);
    assert.equal(captured.stderr(), '');
  });
});
