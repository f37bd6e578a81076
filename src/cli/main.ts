#!/usr/bin/env node
import { subcommandOf } from './global-flags.js';

/**
 * `config` starts from one bundled file (see config-cli.ts) without the other
 * commands; any other command line, help included, loads the whole registry. The
 * choice is made from plain data, before commander loads.
 */
async function main(argv: string[]): Promise<number> {
  if (subcommandOf(argv.slice(2)) === 'config') {
    const { exitAfterOutput, loadConfigCli } = await import('./config-cli-loader.js');
    const { runConfigCli } = await loadConfigCli();
    return exitAfterOutput(await runConfigCli(argv));
  }
  const { runFullCli } = await import('./full-cli.js');
  return runFullCli(argv);
}

process.exitCode = await main(process.argv);
