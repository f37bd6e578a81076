// Bundles dist/cli/main.js, the `tcompose` command's entry, with the few small modules it
// loads (the global flags table and the two bundle loaders) into dist/cli/main.cjs, the bin,
// then removes the ES module version. Node starts a CommonJS entry without setting up its
// ES module loader, which a `config` run of 200 services paid with about 25 ms. The loaders'
// import() of the unbundled modules stays a real import(), for a build that has no bundles.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { bundleCli, root } from './cli-bundler.mjs';

const entry = path.join(root, 'dist/cli/main.js');

const keepDynamicImports = {
  name: 'keep-dynamic-imports',
  setup(bundler) {
    bundler.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
  },
};

await bundleCli(entry, path.join(root, 'dist/cli/main.cjs'), [keepDynamicImports]);
for (const built of [entry, `${entry}.map`, entry.replace(/\.js$/, '.d.ts')]) {
  rmSync(built, { force: true });
}
