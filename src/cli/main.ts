#!/usr/bin/env node
import { exitAfterOutput, loadConfigCli } from './config-cli-loader.js';
import { runFullCli } from './full-cli.js';
import { subcommandOf } from './global-flags.js';

/**
 * `config` starts from one bundled file (see config-cli.ts) without the other
 * commands; any other command line, help included, loads the whole registry. The
 * choice is made from plain data, before commander loads.
 */
async function main(argv: string[]): Promise<number> {
  if (subcommandOf(argv.slice(2)) === 'config') {
    const { runConfigCli } = await loadConfigCli();
    return exitAfterOutput(await runConfigCli(argv));
  }
  return runFullCli(argv);
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
