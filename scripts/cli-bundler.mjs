// What a CLI bundle needs from esbuild: one CommonJS file of an entry module, the modules
// it loads, the packages they use and the generated schema validator. Each module's
// import.meta.url stays what it was unbundled, so what modules find relative to themselves
// (package.json, the engine's entry point, tcrun, the yaml package) is found in the same place.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const validator = path.join(root, 'schema/compose-spec.validate.cjs');

/** A file's URL relative to the bundle's, for `new URL(…, import.meta.url)`. */
export function relativeTo(bundle, file) {
  const relative = path.relative(path.dirname(bundle), file).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

const keepModuleUrls = (bundle) => ({
  name: 'keep-module-urls',
  setup(bundler) {
    bundler.onLoad({ filter: /\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'js' };
      const url = `new URL(${JSON.stringify(relativeTo(bundle, args.path))}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'js' };
    });
  },
});

// compose-validator.js requires the generated validator by a path esbuild cannot follow: in
// the bundle it imports it instead, so that it is bundled and code-cached too.
const bundleValidator = (bundle) => ({
  name: 'bundle-validator',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]compose\/compose-validator\.js$/ }, () => ({
      contents: [
        `import validate from ${JSON.stringify(validator)};`,
        `export const VALIDATOR_URL = new URL(${JSON.stringify(relativeTo(bundle, validator))}, import.meta.url);`,
        'export const loadComposeValidator = () => validate;',
      ].join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
  },
});

/** Bundles `entry` into `bundle`; `plugins` go first. In the bundle, `__bundleUrl` is its own URL. */
export async function bundleCli(entry, bundle, plugins = []) {
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // The bundle is CommonJS: import.meta.url is the bundle's own URL.
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    logLevel: 'warning',
    // A third less text for V8 to read and scan at every start (config on 200 services:
    // 322 -> 307 ms of CPU); names stay, so stack traces still read.
    minifyWhitespace: true,
    plugins: [...plugins, bundleValidator(bundle), keepModuleUrls(bundle)],
  });
}
