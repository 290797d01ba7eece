// Go-style flags of the node components (`--name value` or `--name=value`), as kube-proxy and the
// policy component take them from their DaemonSets' command lines.

/** The value of `--name` in argv, or undefined. */
export function flagValue(name: string, argv: string[] = process.argv.slice(2)): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}
