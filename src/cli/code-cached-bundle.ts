import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** A CommonJS bundle run from its V8 code cache. */
export interface CodeCachedBundle<T> {
  exports: T;
  /** V8's code for the bundle as compiled so far, to store as its code cache. */
  codeCache(): Buffer;
  /** Whether V8 refused the stored cache (another V8, other flags, another text). */
  codeCacheRejected: boolean;
}

/**
 * Runs a CommonJS bundle compiled with the code cache stored beside it (`<bundle>.v8cache`),
 * when there is one: the functions the cache was made with arrive compiled, and V8 checks the
 * cache against its own version, flags and the bundle's text, compiling afresh on a mismatch.
 */
export function runCodeCachedBundle<T>(bundle: string): CodeCachedBundle<T> {
  const cache = `${bundle}.v8cache`;
  const cachedData = existsSync(cache) ? readFileSync(cache) : undefined;
  // The wrapper Node gives every CommonJS module, so the bundle sees what it would under require.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`;
  const script = new vm.Script(source, { filename: bundle, cachedData });
  const module = { exports: {} as T };
  script.runInThisContext()(
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    path.dirname(bundle),
  );
  return {
    exports: module.exports,
    codeCache: () => script.createCachedData(),
    codeCacheRejected: script.cachedDataRejected === true,
  };
}
