import { type Command, Option } from 'commander';
import type { ProgressMode } from './progress-printer.js';

/** The flags every compose command shares, as `docker compose` spells them. */
export interface GlobalOptions {
  file: string[];
  projectName?: string;
  profile: string[];
  envFile: string[];
  projectDirectory?: string;
  host?: string;
  progress?: ProgressMode;
  dryRun?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option('-f, --file <path>', 'compose configuration file (repeatable)', collect, [])
    .option('-p, --project-name <name>', 'project name')
    .option('--profile <name>', 'enable a profile (repeatable)', collect, [])
    .option('--env-file <path>', 'alternate environment file (repeatable)', collect, [])
    .option('--project-directory <path>', 'alternate working directory')
    .option('-H, --host <url>', 'engine socket to connect to (like DOCKER_HOST)')
    .addOption(
      new Option('--progress <mode>', 'how progress is shown')
        .choices(['auto', 'tty', 'plain', 'quiet', 'json'])
        .default('auto'),
    )
    .option('--dry-run', 'show what state-changing commands would do, changing nothing');
}

/** The global options of the root program, read from any subcommand. */
export function globalOptionsOf(command: Command): GlobalOptions {
  let root = command;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOptions>();
}

/**
 * The subcommand a command line (without node and the script) names, if any: the
 * first operand, stepping over the values of the program's own options.
 */
export function subcommandOf(program: Command, args: string[]): string | undefined {
  const takesValue = new Set(
    program.options
      .filter((option) => option.required || option.optional)
      .flatMap((option) => [option.short, option.long])
      .filter((flag) => flag !== undefined),
  );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return args[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (takesValue.has(arg)) i++;
  }
  return undefined;
}
