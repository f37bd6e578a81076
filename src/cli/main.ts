#!/usr/bin/env node
import { subcommandOf } from './global-options.js';
import { createProgram } from './program.js';

/**
 * `config` starts from one bundled file (see config-cli.ts) without the other
 * commands; any other command line, help included, loads the whole registry.
 */
async function main(argv: string[]): Promise<number> {
  if (subcommandOf(createProgram(), argv.slice(2)) === 'config') {
    const { exitAfterOutput, loadConfigCli } = await import('./config-cli-loader.js');
    const { runConfigCli } = await loadConfigCli();
    return exitAfterOutput(await runConfigCli(argv));
  }
  const { runFullCli } = await import('./full-cli.js');
  return runFullCli(argv);
}

process.exitCode = await main(process.argv);
