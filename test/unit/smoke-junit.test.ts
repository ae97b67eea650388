import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { junitXml } from '../../src/smoke/junit.ts';
import { smokeExitCode, type SmokeReport } from '../../src/smoke/phases.ts';

const report = (statuses: SmokeReport['phases'][number]['status'][]): SmokeReport => ({
  passed: statuses.every((s) => s === 'passed'),
  seconds: 3,
  phases: (['up', 'simulate', 'verify'] as const).map((name, i) => ({
    name,
    status: statuses[i],
    seconds: 1,
    message: `${name} <said> "x" & \u0001y`,
  })),
});

describe('smoke summary', () => {
  it('is valid JUnit XML with one testcase per phase, failures and errors carrying their message', () => {
    const xml = junitXml(report(['passed', 'error', 'skipped']), new Date('2026-01-02T03:04:05.678Z'));
    assert.equal(XMLValidator.validate(xml), true);
    const suite = new XMLParser({ ignoreAttributes: false }).parse(xml).testsuites.testsuite;
    assert.equal(suite['@_tests'], '3');
    assert.equal(suite['@_errors'], '1');
    assert.equal(suite['@_skipped'], '1');
    assert.equal(suite['@_timestamp'], '2026-01-02T03:04:05');
    const [up, simulate, verify] = suite.testcase;
    assert.equal(up['@_name'], 'up');
    assert.equal(up.failure, undefined);
    assert.equal(simulate.error['@_message'], 'simulate <said> "x" & y');
    assert.ok('skipped' in verify);
  });

  it('exits 0 when all passed, 1 when a check failed, 2 when a phase could not run', () => {
    assert.equal(smokeExitCode(report(['passed', 'passed', 'passed'])), 0);
    assert.equal(smokeExitCode(report(['passed', 'passed', 'failed'])), 1);
    assert.equal(smokeExitCode(report(['error', 'skipped', 'skipped'])), 2);
  });
});
