import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signalInit, startTimeOfStat } from '../../src/engine/containers/init-signal.js';

describe('startTimeOfStat', () => {
  it('reads field 22 even when the command name holds spaces and parentheses', () => {
    const stat = '42 (a b) c) S 1 42 42 0 -1 4194560 10 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10';
    expect(startTimeOfStat(stat)).toBe(987654);
  });
});

describe('signalInit', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function sleeper() {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const pid = child.pid ?? 0;
    const start = startTimeOfStat(await readFile(`/proc/${pid}/stat`, 'utf8')) ?? -1;
    const dir = await mkdtemp(join(tmpdir(), 'init-signal-'));
    dirs.push(dir);
    return { child, exited, pid, start, dir };
  }

  it('signals the init named by the state when its start time matches', async () => {
    const { exited, pid, start, dir } = await sleeper();
    await writeFile(join(dir, 'state.json'), JSON.stringify({ pid, pidStart: start }));
    expect(await signalInit(dir, 15)).toBe(true);
    expect(await exited).toBe('SIGTERM');
  });

  it('leaves a process alone whose start time differs (a reused pid)', async () => {
    const { child, exited, pid, start, dir } = await sleeper();
    await writeFile(join(dir, 'state.json'), JSON.stringify({ pid, pidStart: start + 1 }));
    expect(await signalInit(dir, 15)).toBe(false);
    expect(child.exitCode).toBeNull();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  });

  it('reports false when there is no state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'init-signal-'));
    dirs.push(dir);
    expect(await signalInit(dir, 15)).toBe(false);
  });
});
