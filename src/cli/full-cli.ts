import { createProgram, runProgram } from './program.js';

/** Every command but `config`: the whole registry on one commander program, help included. */
export async function runFullCli(argv: string[]): Promise<number> {
  const program = createProgram();
  const { commandRegistrations } = await import('./command-registry.js');
  for (const register of commandRegistrations) register(program);
  return runProgram(program, argv);
}
