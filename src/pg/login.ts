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
