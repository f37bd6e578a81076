// Bundles dist/cli/full-cli-run.js (every command but `config`) into one CommonJS file,
// dist/cli/full-cli.bundle.cjs (see cli-bundler.mjs), which src/cli/full-cli.ts runs; then
// runs `up -d`, `ps` and `down` with it in this process against a stand-in engine and stores
// V8's compiled code beside it as its code cache, so that what those commands run arrives
// compiled. The foreground engine (`tcompose engine`) stays out of the bundle: it loads its
// own modules, as dist/engine/main.js does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FULL_CLI_BUNDLE, loadFullCliBundle } from '../dist/cli/full-cli.js';
import { bundleCli, relativeTo, root } from './cli-bundler.mjs';
import { standInEngine } from './stand-in-engine.mjs';

const foregroundEngine = path.join(root, 'dist/engine/foreground.js');

// The bundle runs in a vm script, where import() finds no loader: the foreground engine is
// imported through esm-import.cjs, a module Node loads itself, and keeps its own modules.
const externalEngine = {
  name: 'external-engine',
  setup(bundler) {
    bundler.onResolve({ filter: /engine\/foreground\.js$/ }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      return file === foregroundEngine ? { path: file, namespace: 'foreground-engine' } : undefined;
    });
    bundler.onResolve({ filter: /^\.\/esm-import\.cjs$/ }, (args) => ({
      path: args.path,
      external: true,
    }));
    bundler.onLoad({ filter: /.*/, namespace: 'foreground-engine' }, () => ({
      contents: [
        "const { importModule } = require('./esm-import.cjs');",
        `const url = new URL(${JSON.stringify(relativeTo(FULL_CLI_BUNDLE, foregroundEngine))}, __bundleUrl).href;`,
        'exports.runEngineForeground = (...args) =>',
        '  importModule(url).then((engine) => engine.runEngineForeground(...args));',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

await bundleCli(path.join(root, 'dist/cli/full-cli-run.js'), FULL_CLI_BUNDLE, [externalEngine]);

const SAMPLE_PROJECT = `services:
  web:
    image: busybox
    command: ["sleep", "3600"]
    init: true
    depends_on: [db]
  db:
    image: busybox
    command: ["sleep", "3600"]
    init: true
`;

/** Runs `up -d`, `ps` and `down` of a sample project with the bundle, then stores its code. */
async function storeCodeCache(cli) {
  const directory = mkdtempSync(path.join(tmpdir(), 'tcompose-bundle-'));
  const socket = path.join(directory, 'engine.sock');
  const server = await standInEngine(socket);
  const write = process.stdout.write;
  try {
    writeFileSync(path.join(directory, 'compose.yaml'), SAMPLE_PROJECT);
    const run = (...args) =>
      cli.exports.runFullCli([
        'node',
        'tcompose',
        '-H',
        `unix://${socket}`,
        '--progress',
        'quiet',
        '-f',
        path.join(directory, 'compose.yaml'),
        '-p',
        'sample',
        ...args,
      ]);
    process.stdout.write = () => true;
    for (const command of [['up', '-d'], ['ps'], ['down']]) {
      const code = await run(...command);
      if (code !== 0)
        throw new Error(`${command.join(' ')} failed with the bundle: no code cache stored`);
    }
  } finally {
    process.stdout.write = write;
    server.close();
    rmSync(directory, { recursive: true, force: true });
  }
  writeFileSync(`${FULL_CLI_BUNDLE}.v8cache`, cli.codeCache());
}

rmSync(`${FULL_CLI_BUNDLE}.v8cache`, { force: true });
await storeCodeCache(loadFullCliBundle());
