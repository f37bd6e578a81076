import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CodeCachedBundle, runCodeCachedBundle } from './code-cached-bundle.js';

type FullCli = typeof import('./full-cli-run.js');

/** The bundle scripts/bundle-cli.mjs makes of full-cli-run.js, with its code cache beside it. */
export const FULL_CLI_BUNDLE = fileURLToPath(new URL('./full-cli.bundle.cjs', import.meta.url));

/** The bundled CLI; undefined before the build made it (only tsc has run). */
export function loadFullCliBundle(): CodeCachedBundle<FullCli> | undefined {
  return existsSync(FULL_CLI_BUNDLE) ? runCodeCachedBundle<FullCli>(FULL_CLI_BUNDLE) : undefined;
}

/**
 * Every command but `config`. Loading a hundred ES modules one by one (resolving, reading,
 * compiling each) took most of a short command's time, so it runs from one bundled file,
 * compiled from the code cache the build stored: `down` of a project starts its first
 * request about twice as early.
 */
export async function runFullCli(argv: string[]): Promise<number> {
  const cli = loadFullCliBundle()?.exports ?? (await import('./full-cli-run.js'));
  return cli.runFullCli(argv);
}
