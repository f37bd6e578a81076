/**
 * The flags every compose command shares, as `docker compose` spells them, as plain
 * data: commander builds its options from them (global-options.ts), and main.ts reads
 * them to find the subcommand before commander, or anything else, has loaded.
 */
export interface GlobalFlag {
  /** Commander's spelling: short and long flag, `<value>` when it takes one. */
  flags: string;
  description: string;
  repeatable?: boolean;
  choices?: readonly string[];
  default?: string;
}

export const GLOBAL_FLAGS: readonly GlobalFlag[] = [
  {
    flags: '-f, --file <path>',
    description: 'compose configuration file (repeatable)',
    repeatable: true,
  },
  { flags: '-p, --project-name <name>', description: 'project name' },
  { flags: '--profile <name>', description: 'enable a profile (repeatable)', repeatable: true },
  {
    flags: '--env-file <path>',
    description: 'alternate environment file (repeatable)',
    repeatable: true,
  },
  { flags: '--project-directory <path>', description: 'alternate working directory' },
  { flags: '-H, --host <url>', description: 'engine socket to connect to (like DOCKER_HOST)' },
  {
    flags: '--progress <mode>',
    description: 'how progress is shown',
    choices: ['auto', 'tty', 'plain', 'quiet', 'json'],
    default: 'auto',
  },
  {
    flags: '--dry-run',
    description: 'show what state-changing commands would do, changing nothing',
  },
];

/** `-f`, `--file`, … for every global flag that takes a value. */
const FLAGS_WITH_VALUE = new Set(
  GLOBAL_FLAGS.filter((flag) => flag.flags.includes('<')).flatMap(
    (flag) => flag.flags.match(/--?[a-zA-Z][\w-]*/g) ?? [],
  ),
);

/**
 * The subcommand a command line (without node and the script) names, if any: the
 * first operand, stepping over the values of the global flags.
 */
export function subcommandOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return args[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (FLAGS_WITH_VALUE.has(arg)) i++;
  }
  return undefined;
}
