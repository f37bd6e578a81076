#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerConfig } from './commands/config.js';
import { tcomposeVersion } from './commands/version.js';
import { addGlobalOptions, subcommandOf } from './global-options.js';
import { renderError } from './render-error.js';

/**
 * Commands that need nothing from the others start alone: loading every command's
 * module costs a Node CLI tens of milliseconds, and `config` is run by scripts and
 * benchmarked. Any other command line (help included) loads the whole registry.
 */
const standaloneCommands = new Map<string, (program: Command) => void>([
  ['config', registerConfig],
]);

export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('tcompose')
    .description('Compose-first multi-container orchestrator with an embedded engine')
    .version(tcomposeVersion, '--version')
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError(false);
  addGlobalOptions(program);
  const standalone = standaloneCommands.get(subcommandOf(program, argv.slice(2)) ?? '');
  const registrations = standalone
    ? [standalone]
    : (await import('./command-registry.js')).commandRegistrations;
  for (const register of registrations) register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    process.stderr.write(`${renderError(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv);
