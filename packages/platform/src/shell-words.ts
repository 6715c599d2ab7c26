/** One word for a POSIX shell: in single quotes, each ' written as '\''. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** A command line a person can paste into a POSIX shell: words quoted only where they must be. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : shellQuote(w))).join(' ');
}
