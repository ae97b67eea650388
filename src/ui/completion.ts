import { Help, type Command } from 'commander';

export type Shell = 'bash' | 'zsh' | 'fish';
export const shells: Shell[] = ['bash', 'zsh', 'fish'];

interface Node {
  /** Words from the program to this command: '' for the program, 'events tail' for a subcommand. */
  path: string;
  command: Command;
  children: Node[];
}

const help = new Help();

function walk(command: Command, path: string): Node {
  const children = help
    .visibleCommands(command)
    .filter((c) => c.name() !== 'help')
    .map((c) => walk(c, path ? `${path} ${c.name()}` : c.name()));
  return { path, command, children };
}

const flatten = (n: Node): Node[] => [n, ...n.children.flatMap(flatten)];
const optionWords = (c: Command) =>
  help
    .visibleOptions(c)
    .flatMap((o) => [o.long, o.short])
    .filter((x): x is string => Boolean(x));
const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/**
 * A completion script generated from the command tree, so it knows every command and flag cqrsctl has.
 * `arguments` adds words a command takes as its argument (the services of `logs`).
 */
export function completionScript(shell: Shell, program: Command, args: Record<string, string[]>): string {
  const nodes = flatten(walk(program, ''));
  const globals = optionWords(program).filter((w) => w !== '--version' && w !== '-V');
  if (shell === 'fish') return fish(nodes, args, program);
  const steps = nodes.flatMap((n) => n.children.map((c) => `"${n.path}|${c.command.name()}"`));
  const cases = nodes.map((n) => {
    const words = [
      ...n.children.map((c) => c.command.name()),
      ...(args[n.path] ?? []),
      ...optionWords(n.command),
      ...(n.path ? globals : []),
    ];
    return `    ${JSON.stringify(n.path)}) words=${quote([...new Set(words)].join(' '))} ;;`;
  });
  const bash = `_cqrsctl() {
  local cur=\${COMP_WORDS[COMP_CWORD]} path="" w i words
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case "$path|$w" in
      ${steps.join('|')}) path="\${path:+$path }$w" ;;
    esac
  done
  case "$path" in
${cases.join('\n')}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _cqrsctl cqrsctl
`;
  if (shell === 'bash')
    return `# cqrsctl completion for bash: source <(cqrsctl completion bash), or save it to\n# ~/.local/share/bash-completion/completions/cqrsctl\n${bash}`;
  return `#compdef cqrsctl\n# cqrsctl completion for zsh: source <(cqrsctl completion zsh) in ~/.zshrc\nautoload -U +X bashcompinit && bashcompinit\n${bash}`;
}

function fish(nodes: Node[], args: Record<string, string[]>, program: Command): string {
  const lines = [
    '# cqrsctl completion for fish: cqrsctl completion fish > ~/.config/fish/completions/cqrsctl.fish',
    'complete -c cqrsctl -f',
  ];
  for (const n of nodes) {
    const inside = n.path ? n.path.split(' ') : [];
    const deeper = n.children.map((c) => c.command.name());
    const at = [
      inside.length ? inside.map((w) => `__fish_seen_subcommand_from ${w}`).join('; and ') : '__fish_use_subcommand',
      ...(inside.length && deeper.length ? [`not __fish_seen_subcommand_from ${deeper.join(' ')}`] : []),
    ].join('; and ');
    for (const c of n.children)
      lines.push(`complete -c cqrsctl -n ${quote(at)} -a ${c.command.name()} -d ${quote(c.command.description())}`);
    for (const word of args[n.path] ?? []) lines.push(`complete -c cqrsctl -n ${quote(at)} -a ${word}`);
    for (const o of help.visibleOptions(n.command)) {
      if (!o.long) continue;
      lines.push(
        `complete -c cqrsctl -n ${quote(at)} -l ${o.long.slice(2)}${o.short ? ` -s ${o.short.slice(1)}` : ''}${o.required || o.optional ? ' -r' : ''} -d ${quote(o.description)}`,
      );
    }
  }
  for (const o of help.visibleOptions(program))
    if (o.long) lines.push(`complete -c cqrsctl -l ${o.long.slice(2)} -d ${quote(o.description)}`);
  return `${lines.join('\n')}\n`;
}
