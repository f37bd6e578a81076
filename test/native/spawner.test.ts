import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spawner } from '../../src/engine/containers/spawner.js';
import { processAlive, Sandbox, TCRUN, waitFor } from './harness.js';

describe('tcrun spawner (the engine runs programs through it)', () => {
  it('runs programs concurrently and answers each with its status, stdout and stderr', async () => {
    const spawner = new Spawner(TCRUN);
    const results = await Promise.all([
      spawner.run('sh', ['-c', 'sleep 0.3; echo slow']),
      spawner.run('sh', ['-c', 'echo out; echo err >&2; exit 3']),
      spawner.run('sh', ['-c', 'kill -TERM $$']),
      spawner.run('/no/such/program', ['x']),
      spawner.run('sh', ['-c', 'head -c 200000 /dev/zero | tr "\\0" a']),
    ]);
    expect(results[0]).toEqual({ status: 0, stdout: 'slow\n', stderr: '' });
    expect(results[1]).toEqual({ status: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(results[2]?.status).toBe(128 + 15);
    expect(results[3]?.status).toBe(127);
    expect(results[3]?.stderr).toContain('/no/such/program');
    expect(results[4]?.stdout).toBe('a'.repeat(200000));
    // Without input stdin is /dev/null: a program reading it ends at once.
    expect(await spawner.run('cat', [])).toEqual({ status: 0, stdout: '', stderr: '' });
    // With input, the program reads exactly that, however large.
    expect(await spawner.run('cat', [], { input: 'line one\nline two\n' })).toMatchObject({
      status: 0,
      stdout: 'line one\nline two\n',
    });
    const large = 'b'.repeat(300000);
    expect((await spawner.run('wc', ['-c'], { input: large })).stdout.trim()).toBe('300000');
  });

  it('answers at the end of output when asked, before the program exits', async () => {
    const spawner = new Spawner(TCRUN);
    const dir = mkdtempSync(join(tmpdir(), 'spawner-eof-'));
    try {
      // The program closes its output, then lives on until the test lets it go.
      const go = join(dir, 'go');
      const done = join(dir, 'done');
      const script = `echo ready; exec >&- 2>&-; until [ -e ${go} ]; do sleep 0.02; done; touch ${done}; exit 3`;
      const early = await spawner.run('sh', ['-c', script], { answerAtEndOfOutput: true });
      expect(early).toEqual({ status: 0, stdout: 'ready\n', stderr: '' });
      expect(existsSync(done)).toBe(false);
      writeFileSync(go, '');
      await waitFor(() => existsSync(done));
      // Without the flag the answer waits for the exit and carries its status.
      const late = spawner.run('sh', ['-c', script.replace('touch', 'rm -f')]);
      expect(await late).toEqual({ status: 3, stdout: 'ready\n', stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs tcrun's own commands in a fork of itself, with their command line shown as after an exec", async () => {
    const sandbox = new Sandbox();
    try {
      const spawner = new Spawner(TCRUN);
      expect(await spawner.run(TCRUN, ['--version'])).toEqual({
        status: 0,
        stdout: 'tcrun version 0.1.0\nspec: 1.0.2\n',
        stderr: '',
      });
      expect(await spawner.run(TCRUN, ['--root', sandbox.root, 'state', 'missing'])).toMatchObject({
        status: 1,
        stderr: expect.stringContaining('missing'),
      });

      const { id, cgroupsPath } = sandbox.name('spawned');
      const bundle = sandbox.bundle(id, { cgroupsPath, args: ['sleep', '1000'] });
      const args = [
        '--root',
        sandbox.root,
        'run',
        '--detach',
        '--bundle',
        bundle,
        '--pid-file',
        '-',
        id,
      ];
      const started = await spawner.run(TCRUN, args);
      expect(started).toMatchObject({ status: 0, stderr: '' });
      expect(Number(started.stdout)).toBe(sandbox.state(id).pid);
      // The monitor inherits the command line of the command that made it, written over the
      // spawner's as setproctitle does: one string, arguments joined by spaces, where an exec
      // would have shown them NUL-separated. So the command ran without an exec.
      const { monitorPid } = JSON.parse(readFileSync(`${sandbox.root}/${id}/state.json`, 'utf8'));
      expect(readFileSync(`/proc/${monitorPid}/cmdline`, 'utf8')).toBe(
        `${[TCRUN, ...args].join(' ')}\0`,
      );
      expect(sandbox.tcrun(['delete', '--force', id]).code).toBe(0);
    } finally {
      sandbox.cleanup();
    }
  });

  it('exits when its parent closes stdin or dies, leaving the programs it started running', async () => {
    const helper = spawn(TCRUN, ['spawner'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => helper.on('exit', resolve));
    helper.stdin.end();
    expect(await exited).toBe(0);

    // A parent killed with SIGKILL takes its spawner with it.
    const script = `const c = require('child_process').spawn(${JSON.stringify(TCRUN)}, ['spawner'], { stdio: ['pipe', 'ignore', 'inherit'] }); console.log(c.pid); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const helperPid = await new Promise<number>((resolve) =>
      parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    expect(processAlive(helperPid)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor(() => !processAlive(helperPid));
  });
});
