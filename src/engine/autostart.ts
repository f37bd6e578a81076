import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient, EngineClientError, parseEngineHost } from './client.js';
import { rootFromEnv, socketFromEnv } from './paths.js';

export interface EnsureEngineOptions {
  /** --host: another engine to use instead of the embedded one. */
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for a started engine to answer /_ping. */
  timeoutMs?: number;
}

/**
 * A small young generation: the engine is long-lived and mostly idle, and V8's default
 * (16 MB semi-spaces) keeps tens of MB resident after each burst of requests. Given on the
 * command line when the engine starts in the background; the foreground engine sets it too.
 */
export const engineNodeFlags = ['--max-semi-space-size=2'];

/** dist/engine/main.js; from the TypeScript sources (tests), the built one next to them. */
function engineEntry(): string {
  const sibling = fileURLToPath(new URL('./main.js', import.meta.url));
  return existsSync(sibling)
    ? sibling
    : fileURLToPath(new URL('../../dist/engine/main.js', import.meta.url));
}

/** Starts the embedded engine in the background, logging to <root>/engine.log. */
export async function startEngineProcess(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const root = rootFromEnv(env);
  await mkdir(root, { recursive: true });
  const logFile = await open(join(root, 'engine.log'), 'a');
  try {
    const child = spawn(process.execPath, [...engineNodeFlags, engineEntry()], {
      detached: true,
      stdio: ['ignore', logFile.fd, logFile.fd],
      env,
    });
    child.unref();
    return child.pid ?? 0;
  } finally {
    await logFile.close();
  }
}

export async function waitForPing(client: EngineClient, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await client.ping()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * A client for the engine a command should use: the one --host or DOCKER_HOST names
 * (never started by us), else the embedded engine, started in the background if it
 * does not answer on its socket yet.
 */
export async function ensureEngine(options: EnsureEngineOptions = {}): Promise<EngineClient> {
  const env = options.env ?? process.env;
  const external = options.host ?? env.DOCKER_HOST;
  if (external) {
    const client = new EngineClient(parseEngineHost(external));
    await client.negotiate();
    return client;
  }
  const client = new EngineClient({ socketPath: socketFromEnv(env) });
  if (await client.ping()) return client;
  await startEngineProcess(env);
  if (!(await waitForPing(client, options.timeoutMs ?? 15_000))) {
    throw new EngineClientError(
      503,
      `the engine did not start: see ${join(rootFromEnv(env), 'engine.log')}`,
    );
  }
  return client;
}
