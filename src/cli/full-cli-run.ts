import { createProgram, runProgram } from './program.js';

/**
 * Every command but `config`: the whole registry on one commander program, help
 * included. The build bundles this file with all it loads into
 * dist/cli/full-cli.bundle.cjs, which full-cli.ts runs with its code cache.
 */
export async function runFullCli(argv: string[]): Promise<number> {
  const program = createProgram();
  const { commandRegistrations } = await import('./command-registry.js');
  for (const register of commandRegistrations) register(program);
  return runProgram(program, argv);
}
