/** POSIX shell quoting for the one command string that crosses a shell: the remote command of `vagrant ssh -c`. */

/** One argument as a single shell word: bare when only safe characters, else in single quotes ('\'' for a quote). */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('a shell argument cannot contain a NUL byte');
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line from argv: each argument quoted so the remote shell sees exactly these words. */
export function shellJoin(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}
