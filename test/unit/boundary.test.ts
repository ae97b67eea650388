import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CqrsError, ExitCode } from '../../src/errors.ts';
import { fromBoundary } from '../../src/lib/boundary.ts';

const pgError = (code: string, message: string, detail?: string) =>
  Object.assign(new Error(message), { name: 'PostgresError', code, detail });
const socket = (code: string, address?: string, port?: number) =>
  Object.assign(new Error(`connect ${code} ${address}:${port}`), { code, address, port });

describe('errors at the boundary', () => {
  it('a refused connection names the address it tried, exits 2 and may be retried', () => {
    const e = fromBoundary(socket('ECONNREFUSED', '127.0.0.1', 5432));
    assert.ok(e instanceof CqrsError);
    assert.match(e.message, /couldn't reach 127\.0\.0\.1:5432 \(ECONNREFUSED/);
    assert.equal(e.exitCode, ExitCode.usage);
    assert.equal(e.retriable, true);
    assert.match(e.hint!, /cqrsctl status/);
  });

  it("fetch's TypeError is judged by its cause, and the caller's endpoint name wins", () => {
    const failed = new TypeError('fetch failed', { cause: socket('ENOTFOUND', 'nowhere.invalid') });
    const e = fromBoundary(failed, 'Kafka Connect at http://nowhere.invalid:8083')!;
    assert.equal(e.message, "couldn't reach Kafka Connect at http://nowhere.invalid:8083 (ENOTFOUND)");
    assert.equal(e.retriable, true);
    const timedOut = fromBoundary(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }))!;
    assert.equal(timedOut.retriable, true);
  });

  it('PostgreSQL: a statement that does not fit is final, a shutdown or deadlock is retriable', () => {
    const missing = fromBoundary(pgError('42704', 'type "mood" does not exist'), 'replica-1')!;
    assert.equal(missing.message, 'PostgreSQL at replica-1 answered 42704: type "mood" does not exist');
    assert.equal(missing.retriable, false);
    assert.equal(missing.exitCode, ExitCode.usage);
    assert.match(missing.hint!, /verify-replicas/);
    const check = fromBoundary(pgError('23514', 'new row violates check constraint "c"', 'Failing row contains (1).'))!;
    assert.match(check.message, /23514: new row violates check constraint "c" \(Failing row contains \(1\)\.\)$/);
    for (const code of ['57P01', '40P01', '40001', '08006', '53300', '55P03'])
      assert.equal(fromBoundary(pgError(code, 'x'))!.retriable, true, code);
  });

  it('a refused login gets the password hint, whatever wrapped it', () => {
    const wrapped = new Error('outer', { cause: pgError('28P01', 'password authentication failed for user "postgres"') });
    const e = fromBoundary(wrapped)!;
    assert.match(e.hint!, /CQRSCTL_DB_PASSWORD/);
    assert.equal(e.retriable, false);
  });

  it('kafkajs errors keep their own retriable flag; one that gave up retrying keeps the flag of its cause', () => {
    const conn = Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
      name: 'KafkaJSConnectionError',
      retriable: true,
      broker: '127.0.0.1:9092',
      code: 'ECONNREFUSED',
    });
    assert.equal(fromBoundary(conn)!.message, 'the Kafka broker at 127.0.0.1:9092: Connection error: connect ECONNREFUSED');
    assert.equal(fromBoundary(conn)!.retriable, true);
    const gaveUp = Object.assign(new Error('retries exhausted'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false, cause: conn });
    assert.equal(fromBoundary(gaveUp)!.retriable, true);
    const auth = Object.assign(new Error('SASL failed'), { name: 'KafkaJSSASLAuthenticationError', retriable: false });
    assert.equal(fromBoundary(auth)!.retriable, false);
  });

  it('leaves bugs alone and CqrsErrors as they are', () => {
    assert.equal(fromBoundary(new TypeError("Cannot read properties of undefined (reading 'x')")), undefined);
    assert.equal(fromBoundary(new Error('plain')), undefined);
    const own = new CqrsError('mine', 'do this');
    assert.equal(fromBoundary(own), own);
  });
});
