/** SQLSTATEs of a refused login: invalid_password and invalid_authorization_specification. */
const refusedLogin = new Set(['28P01', '28000']);

/** True when PostgreSQL refused the credentials, anywhere in the error's cause chain. */
export function isLoginRefused(e: unknown): boolean {
  for (let x = e, depth = 0; x && depth < 10; x = (x as { cause?: unknown }).cause, depth++) {
    if (refusedLogin.has(String((x as { code?: unknown }).code))) return true;
  }
  return false;
}

/** What to do when the database refuses the password: the stack is up, the setting is wrong. */
export const passwordHint =
  'The stack is up but refused the password: CQRSCTL_DB_PASSWORD (or --db-password, "dbPassword" in cqrsctl.config.json) must be the one the databases were created with; `cqrsctl config` shows where the current value comes from.';

export const mentionsRefusedLogin = (message: string) => /password authentication failed|no pg_hba\.conf entry/.test(message);

/** Node's codes for a server certificate not trusted, anywhere in the cause chain. */
const untrustedCertificate =
  /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/**
 * The hint for a TLS problem with a database: a server that admits only TLS connections (pg_hba's hostssl)
 * met without it, or a certificate the configured CA did not sign. Undefined for anything else.
 */
export function tlsHint(e: unknown): string | undefined {
  for (let x = e, depth = 0; x && depth < 10; x = (x as { cause?: unknown }).cause, depth++) {
    const { code, message } = x as { code?: unknown; message?: unknown };
    if (/no pg_hba\.conf entry .*no encryption/.test(String(message)))
      return 'The server accepts TLS connections only: set pgSslMode (CQRSCTL_PG_SSL_MODE, or ?sslmode= in the URL) to require, verify-ca or verify-full.';
    if (untrustedCertificate.test(String(code)))
      return "The server's certificate is not signed by a CA cqrsctl trusts: set pgCaFile (or ?sslrootcert= in the URL) to the PEM file of its CA.";
  }
  return undefined;
}
