/** Where on the command line yargs gave up, for {@link describeUsageFailure}. */
export interface UsageContext {
  /** The positional words yargs parsed, commands first (`['server', 'staus']`). */
  positionals: readonly string[];
  /** The command groups yargs entered before it failed (`['server']`). */
  groups: readonly string[];
}

/** A usage failure as one `ERROR:` line and its hint. */
export interface UsageFailure {
  message: string;
  hint: string;
}

/**
 * Turns a yargs failure message into one line that names what was typed. yargs says "Did you
 * mean ports?" without the word it did not know, counts an unknown command as an unknown
 * argument, and lists invalid choices over several lines of which the `ERROR:` line would keep
 * only "Invalid values:".
 */
export function describeUsageFailure(yargsMessage: string, context: UsageContext): UsageFailure {
  const { positionals, groups } = context;
  const typed = positionals[groups.length];
  const help = (words: readonly string[]) => `see ${['mesh', ...words].join(' ')} --help`;

  const suggestion = /^Did you mean (.+)\?$/.exec(yargsMessage.trim());
  if (suggestion && typed !== undefined) {
    const instead = ['mesh', ...groups, suggestion[1]].join(' ');
    return {
      message: `Unknown command: ${[...groups, typed].join(' ')}`,
      hint: `did you mean \`${instead}\`? ${help(groups)}`,
    };
  }

  const leaf = typed === undefined ? groups : [...groups, typed];
  const unknown = /^Unknown arguments?: (.+)$/.exec(yargsMessage.trim());
  if (unknown) {
    const names = withoutCamelCaseTwins(unknown[1]?.split(', ') ?? []);
    if (typed !== undefined && names[0] === typed) {
      return { message: `Unknown command: ${[...groups, typed].join(' ')}`, hint: help(groups) };
    }
    const label = names.length === 1 ? 'Unknown argument' : 'Unknown arguments';
    return { message: `${label}: ${names.join(', ')}`, hint: help(leaf) };
  }

  const choices = invalidChoices(yargsMessage);
  if (choices) return { message: choices, hint: help(leaf) };
  return { message: oneLine(yargsMessage), hint: help(leaf) };
}

/**
 * `Invalid values:\n  Argument: role, Given: "x", Choices: "a", "b"` as
 * `Invalid value for role: "x" (choose a, b)`, several arguments joined by `; `.
 */
function invalidChoices(message: string): string | undefined {
  const [head, ...lines] = message.split('\n');
  if (head?.trim() !== 'Invalid values:') return undefined;
  const parts = lines.flatMap((line) => {
    const m = /^\s*Argument: (.+?), Given: (.+?), Choices: (.+)$/.exec(line);
    if (!m) return line.trim() === '' ? [] : [line.trim()];
    const choices = (m[3] ?? '').split(', ').map((c) => c.replace(/^"(.*)"$/, '$1'));
    return [`Invalid value for ${m[1]}: ${m[2]} (choose ${choices.join(', ')})`];
  });
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** yargs lists an unknown `--some-flag` twice, as `some-flag` and `someFlag`. */
function withoutCamelCaseTwins(names: readonly string[]): string[] {
  const kebab = new Set(names.filter((n) => n.includes('-')));
  const camel = (n: string) => n.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  const twins = new Set([...kebab].map(camel));
  return names.filter((n) => kebab.has(n) || !twins.has(n));
}

function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}
