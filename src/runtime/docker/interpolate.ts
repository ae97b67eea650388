import { usageError } from '../../errors.ts';

export type Env = Record<string, string | undefined>;

/**
 * Compose's variable substitution on one string value (compose-spec "Interpolation", compose-go's
 * template.go): `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
 * `${VAR:?err}` / `${VAR?err}`, `${VAR:+alt}` / `${VAR+alt}`, `$$` for a literal `$`. Defaults may nest.
 * An unset variable with no default becomes "" and is reported through `onMissing`, as Compose warns.
 */
export function interpolate(text: string, env: Env, where = 'compose file', onMissing?: (name: string) => void): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw usageError(`${where}: invalid interpolation format for "${text}": no closing brace`);
      out += substitute(text.slice(i + 2, end), env, where, text, onMissing);
      i = end + 1;
      continue;
    }
    const name = /^[_a-z][_a-z0-9]*/i.exec(text.slice(i + 1))?.[0];
    if (!name) {
      out += c;
      i++;
      continue;
    }
    out += lookup(name, env, onMissing);
    i += 1 + name.length;
  }
  return out;
}

// A nested default (`${A:-${B}}`) has braces of its own, so a regex cannot find the end.
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    if (text[j] === '{') depth++;
    else if (text[j] === '}' && --depth === 0) return j;
  }
  return -1;
}

function substitute(body: string, env: Env, where: string, whole: string, onMissing?: (name: string) => void): string {
  const m = /^([_a-z][_a-z0-9]*)(?:(:?)([-+?])([\s\S]*))?$/i.exec(body);
  if (!m)
    throw usageError(
      `${where}: invalid interpolation format for "${whole}"`,
      'Use ${VAR}, ${VAR:-default}, ${VAR:?error} or $$ for a literal $.',
    );
  const [, name, colon, op, arg = ''] = m;
  const value = env[name];
  const present = colon ? value !== undefined && value !== '' : value !== undefined;
  switch (op) {
    case undefined:
      return lookup(name, env, onMissing);
    case '-':
      return present ? value! : interpolate(arg, env, where, onMissing);
    case '+':
      return present ? interpolate(arg, env, where, onMissing) : '';
    default: {
      if (present) return value!;
      const reason = interpolate(arg, env, where, onMissing);
      throw usageError(
        `${where}: required variable ${name} is missing a value${reason ? `: ${reason}` : ''}`,
        `Set ${name} in the environment or in compose/.env.`,
      );
    }
  }
}

function lookup(name: string, env: Env, onMissing?: (name: string) => void): string {
  const value = env[name];
  if (value === undefined) onMissing?.(name);
  return value ?? '';
}

/** Every string in a parsed YAML tree interpolated; keys are left alone, as Compose does. */
export function interpolateTree(node: unknown, env: Env, where: string, onMissing?: (name: string) => void): unknown {
  if (typeof node === 'string') return interpolate(node, env, where, onMissing);
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, env, where, onMissing));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env, `${where} ${k}`, onMissing)]));
  }
  return node;
}

/**
 * A `.env` file as Compose reads it: KEY=VALUE lines, `#` comments, optional `export `, values in single
 * quotes taken literally, in double quotes with \n escapes; unquoted values lose a trailing ` # comment`.
 */
export function parseDotEnv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (value.startsWith("'") && value.endsWith("'") && value.length > 1) value = value.slice(1, -1);
    else if (value.startsWith('"') && value.endsWith('"') && value.length > 1)
      value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"');
    else value = value.replace(/\s+#.*$/, '');
    vars[m[1]] = value;
  }
  return vars;
}
