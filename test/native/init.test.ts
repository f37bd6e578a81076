import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, Sandbox, waitFor } from './harness.js';

const sandbox = new Sandbox();
afterAll(() => sandbox.cleanup());

const withInit = (config: Record<string, unknown>) => {
  config.annotations = { 'org.tcompose.init': 'true' };
};

describe('built-in init (annotation org.tcompose.init=true)', () => {
  it('is PID 1, runs the program as PID 2, reaps orphaned zombies and passes the exit status', () => {
    const result = sandbox.run('reap', {
      args: [
        'sh',
        '-c',
        // The subshell exits at once: its sleep is orphaned to PID 1 and must be reaped there.
        'echo $$; cat /proc/1/comm; (sleep 0.2 &); sleep 1; grep -l "^State:.*Z" /proc/[0-9]*/status | wc -l; exit 9',
      ],
      edit: withInit,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('2\ntcrun\n0\n');
    expect(result.code).toBe(9);
  });

  it("shows the program as PID 1's command line, not the monitor's with its host paths", () => {
    const result = sandbox.run('title', {
      args: ['sh', '-c', 'tr "\\0" "|" </proc/1/cmdline'],
      edit: withInit,
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    // Padded with spaces to the length of the command line it replaces (see proctitle.c).
    expect(result.stdout).toMatch(/^tcrun-init -- sh -c tr "\\0" "\|" <\/proc\/1\/cmdline *\|$/);
    expect(result.stdout).not.toContain(sandbox.root);
  });

  it('forwards SIGTERM to the program, which dies of it (143)', async () => {
    const { id, cgroupsPath } = sandbox.name('term');
    const bundle = sandbox.bundle(id, { cgroupsPath, args: ['sleep', '1000'], edit: withInit });
    const exitFile = sandbox.path(`${id}.exit`);
    expect(sandbox.tcrun(['create', '--bundle', bundle, '--exit-file', exitFile, id]).code).toBe(0);
    expect(sandbox.tcrun(['start', id]).code).toBe(0);
    const { pid } = sandbox.state(id);
    await waitFor(() => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() !== '');
    expect(sandbox.tcrun(['kill', id, 'TERM']).code).toBe(0);
    await waitFor(() => existsSync(exitFile));
    expect(readFileSync(exitFile, 'utf8')).toBe('143');
    expect(sandbox.tcrun(['delete', id]).code).toBe(0);
    expectNoLeaks(sandbox, id, [pid]);
  });
});
