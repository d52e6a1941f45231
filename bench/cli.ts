/** The value after `--name` on the command line, or `def` when the flag is absent (the bench scripts' options). */
export function opt(name: string, def: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
}
