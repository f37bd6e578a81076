// Bundles dist/cli/config-cli.js, the modules it loads (the compose loader), the
// packages they use and the generated schema validator into one CommonJS file,
// dist/cli/config-cli.bundle.cjs, which `tcompose config` runs (see
// src/cli/config-cli-loader.ts); then runs it once on a sample project and stores V8's
// compiled code for it beside it, as its code cache (see cli-bundler.mjs for what the
// bundle keeps of each module).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONFIG_BUNDLE, loadConfigCli } from '../dist/cli/config-cli-loader.js';
import { bundleCli, root } from './cli-bundler.mjs';

const CONFIG_BUNDLE_CACHE = `${CONFIG_BUNDLE}.v8cache`;

await bundleCli(path.join(root, 'dist/cli/config-cli.js'), CONFIG_BUNDLE);

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
