import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

const main = resolve('dist/cli/main.cjs');

describe('the full CLI bundle', () => {
  it('starts from the code cache the build stored', () => {
    const script = `
      const { loadFullCliBundle } = await import(${JSON.stringify(resolve('dist/cli/full-cli.js'))});
      process.stdout.write(String(loadFullCliBundle()?.codeCacheRejected));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('false');
  });

  it('runs the foreground engine from its own modules', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'tcompose-fg-'));
    const env = {
      ...process.env,
      TCOMPOSE_ROOT: join(scratch, 'root'),
      TCOMPOSE_HOST: join(scratch, 'engine.sock'),
      TCOMPOSE_IP_MASQ: '0',
    };
    try {
      const engine = spawn(process.execPath, [main, 'engine'], { env, stdio: 'ignore' });
      const exited = new Promise((done) => engine.on('exit', done));
      const status = () => spawnSync(process.execPath, [main, 'engine', 'status'], { env });
      for (let tries = 0; tries < 100 && status().status !== 0; tries++) await sleep(100);
      expect(status().status).toBe(0);
      engine.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
