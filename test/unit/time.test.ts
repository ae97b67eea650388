import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDurationMs, parseLogTime, parseSince } from '../../src/lib/time.ts';

test('durations take units; a bare number is seconds', () => {
  assert.equal(parseDurationMs('2', '--x'), 2000);
  assert.equal(parseDurationMs('1.5m', '--x'), 90_000);
  assert.equal(parseDurationMs('1d', '--x'), 86_400_000);
  assert.throws(() => parseDurationMs('soon', '--watch'), /--watch: "soon" is not a duration/);
});

test('log lines of every service of the stack yield their time', () => {
  const utc = Date.UTC(2026, 10, 26, 2, 0, 1, 123);
  assert.equal(parseLogTime('2026-11-26T02:00:01.123Z replicating to replica-1')?.getTime(), utc);
  assert.equal(parseLogTime('2026-11-26 02:00:01.123 UTC [4139] LOG:  checkpoint starting')?.getTime(), utc);
  assert.equal(parseLogTime('2026-11-26 02:00:01.1234+00')?.getTime(), utc);
  assert.equal(parseLogTime('[2026-11-26 02:00:01,123] INFO Kafka version')?.getTime(), new Date(2026, 10, 26, 2, 0, 1, 123).getTime());
  assert.equal(parseLogTime('\tat org.apache.kafka.Foo(Foo.java:1)'), undefined);
});

test('--since takes a duration back from now, or a date and time', () => {
  const now = Date.UTC(2026, 10, 26, 12, 0, 0);
  assert.equal(parseSince('10m', now).getTime(), now - 600_000);
  assert.equal(parseSince('2026-11-26T11:00:00Z', now).getTime(), now - 3_600_000);
  assert.throws(() => parseSince('yesterday', now), /--since: "yesterday" is neither a duration nor a date and time/);
});
