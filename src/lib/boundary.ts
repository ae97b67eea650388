import { CqrsError, ExitCode, errorMessage, isCqrsError } from '../errors.ts';
import { isLoginRefused, passwordHint, tlsHint } from '../pg/login.ts';

/**
 * The one place where errors from outside cqrsctl (PostgreSQL, kafkajs, fetch, sockets) become a CqrsError
 * that names the endpoint, says what to do and whether trying again can help. Anything it does not know is
 * cqrsctl's own bug and is left as it is.
 */
export function fromBoundary(e: unknown, endpoint?: string): CqrsError | undefined {
  // TLS trouble with a database is a setting's fault too (pgSslMode, pgCaFile): say which one.
  const tls = tlsHint(e);
  if (tls) return new CqrsError(errorMessage(e), tls, isCqrsError(e) ? e.exitCode : ExitCode.usage, { cause: e });
  // A refused password is the password setting's fault, whatever the code that met it guessed.
  if (isLoginRefused(e)) {
    const message = isCqrsError(e) ? e.message : `${at('the database refused the login', endpoint)}: ${errorMessage(e)}`;
    return new CqrsError(message, passwordHint, ExitCode.usage, { cause: e });
  }
  if (isCqrsError(e)) return e;
  const kafka = kafkaError(e);
  if (kafka) {
    return new CqrsError(`${at('the Kafka broker', endpoint ?? kafka.broker)}: ${kafka.message}`, upHint, ExitCode.usage, {
      cause: e,
      retriable: kafka.retriable,
    });
  }
  const socket = socketError(e);
  if (socket) {
    const where = endpoint ?? socket.address ?? 'the service';
    return new CqrsError(`couldn't reach ${where} (${socket.what})`, upHint, ExitCode.usage, { cause: e, retriable: true });
  }
  const sqlstate = sqlstateOf(e);
  if (sqlstate) {
    const retriable = transientSqlstate(sqlstate);
    return new CqrsError(
      `${at('PostgreSQL', endpoint)} answered ${sqlstate}: ${errorMessage(e)}${detailOf(e)}`,
      retriable ? upHint : sqlHint(sqlstate),
      ExitCode.usage,
      { cause: e, retriable },
    );
  }
  return undefined;
}

/**
 * PostgreSQL's SQLSTATE classes that time can fix: connection trouble (08), rollback for serialization or
 * deadlock (40), insufficient resources (53), operator intervention / shutdown (57), system errors (58) and
 * lock timeouts (55P03). Any other SQLSTATE means the statement is wrong for this data and stays wrong.
 */
const transientSqlstate = (code: string) => /^(08|40|53|57|58)/.test(code) || code === '55P03';

const upHint = 'Is the stack up? `cqrsctl status` shows every service; `cqrsctl up` starts them.';

function sqlHint(code: string): string {
  if (code.startsWith('42'))
    return 'The statement does not fit the database as it is now (a missing type, table or column); `cqrsctl verify-replicas` shows how the replicas differ from the leader.';
  return 'See the database log (`cqrsctl logs leader` or `cqrsctl logs replica-1`) for its side of it.';
}

const at = (what: string, endpoint: string | undefined) => (endpoint ? `${what} at ${endpoint}` : what);

// node's net errors, postgres.js's own connection codes, and fetch's timeout.
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

interface SocketFailure {
  what: string;
  address?: string;
}

/** A failure to talk at all, found anywhere in the cause chain (fetch wraps it in a TypeError "fetch failed"). */
function socketError(e: unknown): SocketFailure | undefined {
  for (let x = e, depth = 0; x && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    const err = x as { code?: unknown; name?: unknown; address?: unknown; port?: unknown; hostname?: unknown; errors?: unknown[] };
    if (err.name === 'TimeoutError') return { what: 'no answer in time' };
    if (typeof err.code === 'string' && socketCodes.has(err.code)) {
      const host = typeof err.address === 'string' ? err.address : typeof err.hostname === 'string' ? err.hostname : undefined;
      return {
        what: `${err.code}${errorMessage(x).includes(err.code) ? '' : `: ${errorMessage(x)}`}`,
        address: host && err.port ? `${host}:${err.port}` : host,
      };
    }
    // Several addresses tried (IPv4 and IPv6): the first says it as well as any.
    if (Array.isArray(err.errors) && err.errors.length) return socketError(err.errors[0]);
  }
  return undefined;
}

function sqlstateOf(e: unknown): string | undefined {
  const err = e as { name?: unknown; code?: unknown };
  return err?.name === 'PostgresError' && typeof err.code === 'string' ? err.code : undefined;
}

const detailOf = (e: unknown) => {
  const detail = (e as { detail?: unknown }).detail;
  return typeof detail === 'string' && detail ? ` (${detail})` : '';
};

/** kafkajs errors say themselves whether to retry; one that gave up retrying keeps the flag of what it retried. */
function kafkaError(e: unknown): { message: string; retriable: boolean; broker?: string } | undefined {
  const err = e as { name?: unknown; retriable?: unknown; broker?: unknown; cause?: unknown };
  if (typeof err?.name !== 'string' || !err.name.startsWith('KafkaJS')) return undefined;
  const cause = err.name === 'KafkaJSNumberOfRetriesExceeded' ? kafkaError(err.cause) : undefined;
  return {
    message: errorMessage(e) + (cause && cause.message !== errorMessage(e) ? ` (${cause.message})` : ''),
    retriable: cause ? cause.retriable : err.retriable === true,
    broker: typeof err.broker === 'string' ? err.broker : cause?.broker,
  };
}
