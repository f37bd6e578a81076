import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEngine } from '../../src/engine/autostart.js';
import { lockHolder } from '../../src/engine/lock.js';
import { findLeaks, repo } from './support.js';

let root: string;
let env: NodeJS.ProcessEnv;

function tcompose(...args: string[]): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repo, 'dist/cli/main.cjs'), ...args],
      { env, timeout: 30_000 },
      (error, stdout) => resolve({ stdout, code: error ? Number(error.code) || 1 : 0 }),
    );
  });
}

beforeAll(async () => {
  root = await mkdtemp('/tmp/tce-');
  env = {
    ...process.env,
    TCOMPOSE_ROOT: root,
    TCOMPOSE_HOST: join(root, 'engine.sock'),
    DOCKER_HOST: '',
  };
});

afterAll(async () => {
  const pid = await lockHolder(join(root, 'engine.lock'));
  if (pid) process.kill(pid, 'SIGTERM');
  expect(findLeaks(root, [])).toEqual({ processes: [], mounts: [], cgroups: [], bridges: [] });
  await rm(root, { recursive: true, force: true });
});

describe('tcompose engine start|status|stop and ensureEngine', () => {
  it('starts the engine in the background, reports it, and stops it', async () => {
    expect(await tcompose('engine', 'status')).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/not running/),
    });
    expect(await tcompose('engine', 'start')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/engine running \(pid \d+\)/),
    });
    const pid = await lockHolder(join(root, 'engine.lock'));
    expect(pid).toBeGreaterThan(0);
    // Already running: start and ensureEngine reuse it.
    await tcompose('engine', 'start');
    const client = await ensureEngine({ env });
    expect(await client.ping()).toBe(true);
    expect(await lockHolder(join(root, 'engine.lock'))).toBe(pid);
    expect(await tcompose('engine', 'stop')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/stopped/),
    });
    expect(await tcompose('engine', 'status')).toMatchObject({ code: 1 });
  });

  it('starts the embedded engine on demand, unless DOCKER_HOST names another one', async () => {
    const client = await ensureEngine({ env });
    expect(await client.request('GET', '/version')).toMatchObject({ ApiVersion: '1.47' });
    await expect(
      ensureEngine({ env: { ...env, DOCKER_HOST: `unix://${join(root, 'elsewhere.sock')}` } }),
    ).rejects.toThrow(/cannot reach the engine at unix:\/\/.*elsewhere.sock/);
    await tcompose('engine', 'stop');
  });
});
