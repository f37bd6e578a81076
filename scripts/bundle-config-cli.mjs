// Bundles dist/cli/config-cli.js, the modules it loads (the compose loader), the
// packages they use and the generated schema validator into one CommonJS file,
// dist/cli/config-cli.bundle.cjs, which `tcompose config` runs (see
// src/cli/config-cli-loader.ts); then runs it once on a sample project and stores V8's
// compiled code for it beside it, as its code cache. Each module's import.meta.url is
// kept as it was unbundled, so the paths modules find relative to themselves
// (package.json, the yaml package loaded on first use) are the same in the bundle.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import {
  CONFIG_BUNDLE,
  CONFIG_BUNDLE_CACHE,
  loadConfigCli,
} from '../dist/cli/config-cli-loader.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const validator = path.join(root, 'schema/compose-spec.validate.cjs');

/** A file's URL relative to the bundle's. */
function relativeToBundle(file) {
  const relative = path.relative(path.dirname(CONFIG_BUNDLE), file).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(bundler) {
    bundler.onLoad({ filter: /\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'js' };
      const url = `new URL(${JSON.stringify(relativeToBundle(args.path))}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'js' };
    });
  },
};

// The validator is required at run time by a path esbuild cannot follow: in the bundle,
// compose-validator.js imports it instead, so that it is bundled and code-cached too.
const bundleValidator = {
  name: 'bundle-validator',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]compose\/compose-validator\.js$/ }, () => ({
      contents: [
        `import validate from ${JSON.stringify(validator)};`,
        `export const VALIDATOR_URL = new URL(${JSON.stringify(relativeToBundle(validator))}, import.meta.url);`,
        'export const loadComposeValidator = () => validate;',
      ].join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

await build({
  entryPoints: [path.join(root, 'dist/cli/config-cli.js')],
  outfile: CONFIG_BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // The bundle is CommonJS: import.meta.url is the bundle's own URL.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
  plugins: [bundleValidator, keepModuleUrls],
});

// A project with the fields most compose files use, so that the code every run needs
// (the YAML reader, every stage, the validator, the YAML writer) is in the cache.
const SAMPLE_PROJECT = `name: sample
x-defaults: &defaults
  restart: unless-stopped
  labels:
    com.example.sample: "true"
services:
  web:
    <<: *defaults
    image: registry.example/web:1.0
    build: ./web
    command: ["serve", "--port", "3000"]
    entrypoint: /bin/sh -c "exec serve"
    environment:
      - LOG_LEVEL=\${LOG_LEVEL:-info}
      - EMPTY
    env_file: .env.web
    ports:
      - "8080:3000"
      - "127.0.0.1:20000-20001:4000-4001/udp"
    expose: ["9000"]
    volumes:
      - data:/var/lib/web
      - ./config:/etc/web:ro
      - type: tmpfs
        target: /tmp
        tmpfs:
          size: 64m
    networks:
      front:
        aliases: [www]
    depends_on:
      db:
        condition: service_healthy
    healthcheck:
      test: curl -f http://localhost:3000/health
      interval: 30s
      timeout: 5s
      retries: 3
    mem_limit: 256m
    ulimits:
      nofile: { soft: 1024, hard: 2048 }
    deploy:
      resources:
        limits: { cpus: "0.5", memory: 128M }
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example
    volumes: [data:/var/lib/postgresql/data]
    networks: [front]
    healthcheck:
      test: ["CMD", "pg_isready"]
      interval: 1s
    secrets: [token]
    configs: [settings]
networks:
  front: {}
volumes:
  data: {}
secrets:
  token:
    file: ./token
configs:
  settings:
    file: ./settings
`;

async function storeCodeCache(cli) {
  const directory = mkdtempSync(path.join(tmpdir(), 'tcompose-bundle-'));
  try {
    const file = path.join(directory, 'compose.yaml');
    writeFileSync(file, SAMPLE_PROJECT);
    writeFileSync(path.join(directory, '.env.web'), 'FROM_FILE=1\n');
    const output = path.join(directory, 'config.yaml');
    const code = await cli.runConfigCli(['node', 'tcompose', '-f', file, 'config', '-o', output]);
    if (code !== 0) throw new Error('the sample project does not load: no code cache stored');
    writeFileSync(CONFIG_BUNDLE_CACHE, cli.codeCache());
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

rmSync(CONFIG_BUNDLE_CACHE, { force: true });
await storeCodeCache(await loadConfigCli());
