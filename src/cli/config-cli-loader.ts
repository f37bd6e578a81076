import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runCodeCachedBundle } from './code-cached-bundle.js';

/** What `tcompose config` runs: the bundle (see scripts/bundle-config-cli.mjs) or the modules. */
export interface ConfigCli {
  runConfigCli(argv: string[]): Promise<number>;
  /** V8's code for the bundle as compiled so far, to store as its code cache; absent unbundled. */
  codeCache?: () => Buffer;
  /** Whether V8 refused the stored code cache (then everything compiled afresh). */
  codeCacheRejected?: boolean;
}

/** The bundle (CommonJS); the build stores its V8 code cache beside it. */
export const CONFIG_BUNDLE = fileURLToPath(new URL('./config-cli.bundle.cjs', import.meta.url));

/**
 * Loads `tcompose config`. Running the compose loader once from a fresh process is
 * mostly compiling and interpreting code, so the bundle is compiled with the code
 * cache the build made by running it on a sample project: the functions that run
 * for any compose file arrive already compiled. Unbundled (only tsc has run), the
 * modules load as they are.
 */
export async function loadConfigCli(): Promise<ConfigCli> {
  if (!existsSync(CONFIG_BUNDLE)) return import('./config-cli.js');
  skipOptimizingCompiler();
  const bundle = runCodeCachedBundle<Pick<ConfigCli, 'runConfigCli'>>(CONFIG_BUNDLE);
  return {
    runConfigCli: bundle.exports.runConfigCli,
    codeCache: bundle.codeCache,
    codeCacheRejected: bundle.codeCacheRejected,
  };
}

/**
 * A `config` process lives a few hundred milliseconds: the optimizing compiler's work
 * on its hottest functions costs more than it gains before the process ends (measured:
 * 376 -> 299 ms for 200 services), while the baseline compiler stays on. V8 accepts a
 * code cache only under the flags it was made with, so the build makes it after this
 * same call (scripts/bundle-config-cli.mjs loads the bundle through here).
 */
function skipOptimizingCompiler(): void {
  v8.setFlagsFromString('--no-opt');
}

/**
 * Ends a `config` process as soon as stdout and stderr have taken all it wrote. Left
 * to end by itself, Node first lets V8 finish the collector's pending work on a heap
 * about to be thrown away, which a 200-service file pays with tens of milliseconds.
 */
export function exitAfterOutput(code: number): Promise<never> {
  const flushed = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => stream.write('', () => resolve()));
  return Promise.all([flushed(process.stdout), flushed(process.stderr)]).then(() =>
    process.exit(code),
  );
}
