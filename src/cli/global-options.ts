import { type Command, Option } from 'commander';
import { GLOBAL_FLAGS } from './global-flags.js';
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
  for (const flag of GLOBAL_FLAGS) {
    const option = new Option(flag.flags, flag.description);
    if (flag.repeatable) option.argParser(collect).default([]);
    if (flag.choices) option.choices(flag.choices);
    if (flag.default !== undefined) option.default(flag.default);
    program.addOption(option);
  }
  return program;
}

/** The global options of the root program, read from any subcommand. */
export function globalOptionsOf(command: Command): GlobalOptions {
  let root = command;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOptions>();
}
