import { Command, CommanderError } from 'commander';
import { tcomposeVersion } from './commands/version.js';
import { addGlobalOptions } from './global-options.js';
import { renderError } from './render-error.js';

/** The root command with the global flags; commands are registered on it by the caller. */
export function createProgram(): Command {
  const program = new Command('tcompose')
    .description('Compose-first multi-container orchestrator with an embedded engine')
    .version(tcomposeVersion, '--version')
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError(false);
  addGlobalOptions(program);
  return program;
}

/** Runs a command line; user errors print as one line. Resolves to the exit code. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    process.stderr.write(`${renderError(error)}\n`);
    return 1;
  }
}
