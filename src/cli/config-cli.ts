import { registerConfig } from './commands/config.js';
import { createProgram, runProgram } from './program.js';

/**
 * `tcompose config` on its own. The build bundles this file with everything it loads
 * (the whole compose loader) into dist/cli/config-cli.bundle.cjs, which the bin (main.cjs) runs
 * for `config` with its code cache (see config-cli-loader.ts): one file instead of
 * some fifty modules is most of a Node CLI's start-up. Nothing else runs in that
 * process, so the bundle's own copies of the modules (ComposeError among them) are
 * the only ones.
 */
export async function runConfigCli(argv: string[]): Promise<number> {
  const program = createProgram();
  registerConfig(program);
  return runProgram(program, argv);
}
