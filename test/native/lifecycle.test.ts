import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BundleOptions } from '../support/oci-bundle.js';
import { expectNoLeaks, processAlive, Sandbox, TCRUN, waitFor } from './harness.js';

const sandbox = new Sandbox();
afterAll(() => sandbox.cleanup());

interface Created {
  id: string;
  pid: number;
  monitorPid: number;
  log: string;
  exitFile: string;
}

/** `tcrun create` with a log, an exit file and pid files, under the monitor. */
function create(label: string, options: Omit<BundleOptions, 'cgroupsPath'>): Created {
  const { id, cgroupsPath } = sandbox.name(label);
  const bundle = sandbox.bundle(id, { ...options, cgroupsPath });
  const files = {
    log: sandbox.path(`${id}.log`),
    exitFile: sandbox.path(`${id}.exit`),
    pidFile: sandbox.path(`${id}.pid`),
    monitorPidFile: sandbox.path(`${id}.monitor`),
  };
  const result = sandbox.tcrun([
    'create',
    '--bundle',
    bundle,
    '--log-path',
    files.log,
    '--exit-file',
    files.exitFile,
    '--pid-file',
    files.pidFile,
    '--monitor-pid-file',
    files.monitorPidFile,
    id,
  ]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return {
    id,
    pid: Number(readFileSync(files.pidFile, 'utf8')),
    monitorPid: Number(readFileSync(files.monitorPidFile, 'utf8')),
    log: files.log,
    exitFile: files.exitFile,
  };
}

function logLines(path: string): { log: string; stream: string; time: string }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter((line) => line)
    .map((line) => JSON.parse(line));
}

const exitCode = (c: Created) => (existsSync(c.exitFile) ? readFileSync(c.exitFile, 'utf8') : '');

function deleteAndCheck(c: Created, force = false): void {
  const result = sandbox.tcrun(['delete', ...(force ? ['--force'] : []), c.id]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expectNoLeaks(sandbox, c.id, [c.pid, c.monitorPid]);
}

describe('create, start, state, delete', () => {
  it('walks created -> running -> stopped, logging as json-file and writing the exit file', async () => {
    const c = create('life', {
      args: ['sh', '-c', 'echo first; echo oops >&2; printf partial; exit 3'],
      edit: (config) => {
        config.annotations = { 'com.example.service': 'web' };
      },
    });
    expect(sandbox.state(c.id)).toMatchObject({
      ociVersion: expect.any(String),
      id: c.id,
      status: 'created',
      pid: c.pid,
      bundle: join(sandbox.dir, 'bundles', c.id),
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      annotations: { 'com.example.service': 'web' },
    });
    expect(processAlive(c.pid)).toBe(true);
    expect(logLines(c.log)).toEqual([]);

    expect(sandbox.tcrun(['start', c.id])).toMatchObject({ code: 0, stderr: '' });
    await waitFor(() => exitCode(c) !== '');
    expect(exitCode(c)).toBe('3');
    expect(sandbox.state(c.id)).toMatchObject({ status: 'stopped' });
    const lines = logLines(c.log);
    expect(lines.map(({ log, stream }) => ({ log, stream }))).toEqual(
      expect.arrayContaining([
        { log: 'first\n', stream: 'stdout' },
        { log: 'oops\n', stream: 'stderr' },
        { log: 'partial', stream: 'stdout' },
      ]),
    );
    for (const line of lines)
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    deleteAndCheck(c);
    expect(existsSync(c.log)).toBe(true); // the log belongs to the engine
  });

  it('prints the pid on stdout for --pid-file - (run --detach), writing no file', () => {
    const { id, cgroupsPath } = sandbox.name('pidout');
    const bundle = sandbox.bundle(id, { cgroupsPath, args: ['sleep', '60'] });
    const result = sandbox.tcrun(['run', '--detach', '--bundle', bundle, '--pid-file', '-', id]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const pid = Number(result.stdout);
    expect(result.stdout).toBe(`${pid}\n`);
    expect(sandbox.state(id)).toMatchObject({ status: 'running', pid });
    expect(existsSync('-')).toBe(false);
    expect(sandbox.tcrun(['delete', '--force', id])).toMatchObject({ code: 0, stderr: '' });
    expectNoLeaks(sandbox, id, [pid]);
  });

  it('splits a long line without newline into 16 KiB pieces', async () => {
    const c = create('long', { args: ['sh', '-c', 'head -c 40000 /dev/zero | tr "\\0" a'] });
    sandbox.tcrun(['start', c.id]);
    await waitFor(() => exitCode(c) !== '');
    expect(logLines(c.log).map((line) => line.log.length)).toEqual([16384, 16384, 40000 - 32768]);
    deleteAndCheck(c);
  });

  it('keeps the monitor (small, detached) alive after whoever ran create is SIGKILLed', async () => {
    const { id, cgroupsPath } = sandbox.name('orphan');
    const bundle = sandbox.bundle(id, {
      cgroupsPath,
      args: ['sh', '-c', 'echo alive'],
      // A large profile (as Docker's default is) must not stay in the monitor's memory.
      edit: (config) => {
        config.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: Array.from({ length: 400 }, (_, i) => ({
            names: [`no_such_syscall_${i}`, `another_unknown_${i}`],
            action: 'SCMP_ACT_ERRNO',
            args: [{ index: 0, value: i, op: 'SCMP_CMP_EQ' }],
          })),
        };
      },
    });
    const monitorFile = sandbox.path(`${id}.monitor`);
    const exitFile = sandbox.path(`${id}.exit`);
    const log = sandbox.path(`${id}.log`);
    const parent = spawn(
      'sh',
      [
        '-c',
        `"${TCRUN}" --root "${sandbox.root}" create --bundle "${bundle}" --log-path "${log}" --exit-file "${exitFile}" --monitor-pid-file "${monitorFile}" ${id}; sleep 60`,
      ],
      { detached: true, stdio: 'ignore' },
    );
    await waitFor(() => existsSync(monitorFile) && sandbox.state(id).status === 'created');
    process.kill(-(parent.pid as number), 'SIGKILL');
    await waitFor(() => parent.exitCode !== null || parent.signalCode !== null);
    const monitorPid = Number(readFileSync(monitorFile, 'utf8'));
    expect(processAlive(monitorPid)).toBe(true);
    const status = readFileSync(`/proc/${monitorPid}/status`, 'utf8');
    expect(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1])).toBeLessThan(2048);
    expect(Number(/PPid:\s+(\d+)/.exec(status)?.[1])).not.toBe(parent.pid);
    const session = readFileSync(`/proc/${monitorPid}/stat`, 'utf8').split(' ')[5];
    expect(Number(session)).not.toBe(parent.pid);
    // It holds nothing of its caller: stdio is /dev/null, the rest are its own files.
    for (const fd of ['0', '1', '2'])
      expect(readlinkSync(`/proc/${monitorPid}/fd/${fd}`)).toBe('/dev/null');
    expect(sandbox.tcrun(['start', id]).code).toBe(0);
    await waitFor(() => existsSync(exitFile));
    expect(logLines(log).map((line) => line.log)).toEqual(['alive\n']);
    const pid = sandbox.state(id).pid;
    expect(sandbox.tcrun(['delete', id]).code).toBe(0);
    expectNoLeaks(sandbox, id, [pid, monitorPid]);
  });

  it('lists containers as a table and as JSON', () => {
    const c = create('list', { args: ['true'] });
    const json = JSON.parse(sandbox.tcrun(['list', '--format', 'json']).stdout);
    expect(json).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: c.id, status: 'created' })]),
    );
    expect(sandbox.tcrun(['list']).stdout).toMatch(new RegExp(`${c.id}\\s+${c.pid}\\s+created`));
    deleteAndCheck(c);
  });

  it('refuses to delete a running container without --force, and cleans up everything with it', () => {
    const c = create('force', { args: ['sleep', '1000'] });
    sandbox.tcrun(['start', c.id]);
    const refused = sandbox.tcrun(['delete', c.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `tcrun: delete ${c.id}: container ${c.id} is running: stop it first or use --force\n`,
    );
    deleteAndCheck(c, true);
    expect(exitCode(c)).toBe('137');
  });

  it('run --detach is create + start', async () => {
    const { id, cgroupsPath } = sandbox.name('detach');
    const bundle = sandbox.bundle(id, { cgroupsPath, args: ['sleep', '1000'] });
    const result = sandbox.tcrun(['run', '--detach', '--bundle', bundle, id]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const { pid, status } = sandbox.state(id);
    expect(status).toBe('running');
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\u00001000\u0000');
    expect(sandbox.tcrun(['delete', '--force', id]).code).toBe(0);
    expectNoLeaks(sandbox, id, [pid]);
  });

  it('run --detach fails with the exec error when the program cannot start', async () => {
    const { id, cgroupsPath } = sandbox.name('detach-missing');
    const bundle = sandbox.bundle(id, { cgroupsPath, args: ['/no/such/program'] });
    const result = sandbox.tcrun(['run', '--detach', '--rm', '--bundle', bundle, id]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('/no/such/program');
    // With --rm the monitor cleans up once the failed program is reaped.
    await waitFor(() => !existsSync(join(sandbox.root, id)));
    expectNoLeaks(sandbox, id);
  });

  it('run --detach --in-place: the process itself becomes the monitor, answering on its stdout', async () => {
    const { id, cgroupsPath } = sandbox.name('in-place');
    const bundle = sandbox.bundle(id, { cgroupsPath, args: ['sleep', '1000'] });
    const child = sandbox.spawn(['run', '--detach', '--in-place', '--bundle', bundle, id]);
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk) => {
      output.stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output.stderr += chunk;
    });
    // The answer is the end of its output, while the process lives on.
    await new Promise((resolve) => child.stdout.on('end', resolve));
    const { pid, status } = sandbox.state(id);
    expect(output).toEqual({ stdout: `${pid}\n`, stderr: '' });
    expect(status).toBe('running');
    expect(child.exitCode).toBe(null);
    const { monitorPid } = JSON.parse(readFileSync(join(sandbox.root, id, 'state.json'), 'utf8'));
    expect(monitorPid).toBe(child.pid);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    expect(sandbox.tcrun(['delete', '--force', id]).code).toBe(0);
    expect(await exited).toBe(0);
    expectNoLeaks(sandbox, id, [pid]);
  });

  it('run --detach --in-place gives the exec error as tcrun does, and needs --detach', async () => {
    const { id, cgroupsPath } = sandbox.name('in-place-missing');
    const bundle = sandbox.bundle(id, { cgroupsPath, args: ['/no/such/program'] });
    const result = sandbox.tcrun(['run', '--detach', '--in-place', '--rm', '--bundle', bundle, id]);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^tcrun: run ${id}: .*/no/such/program`));
    await waitFor(() => !existsSync(join(sandbox.root, id)));
    expectNoLeaks(sandbox, id);
    expect(sandbox.tcrun(['run', '--in-place', '--bundle', bundle, id])).toMatchObject({
      code: 1,
      stderr: `tcrun: run ${id}: --in-place needs --detach\n`,
    });
  });

  it('--rm: the monitor deletes the container before it writes the exit file', async () => {
    const { id, cgroupsPath } = sandbox.name('rm');
    const bundle = sandbox.bundle(id, { cgroupsPath, args: ['sh', '-c', 'sleep 0.2; exit 3'] });
    const exitFile = sandbox.path(`${id}.exit`);
    const log = sandbox.path(`${id}.log`);
    const args = ['run', '--detach', '--rm', '--bundle', bundle, '--exit-file', exitFile];
    expect(sandbox.tcrun([...args, '--log-path', log, id])).toMatchObject({ code: 0, stderr: '' });
    const { pid, status } = sandbox.state(id);
    expect(status).toBe('running');
    await waitFor(() => existsSync(exitFile));
    expect(readFileSync(exitFile, 'utf8')).toBe('3');
    expectNoLeaks(sandbox, id, [pid]);
    expect(sandbox.tcrun(['state', id]).code).not.toBe(0);
    // A forced delete of a container already gone succeeds, as before.
    expect(sandbox.tcrun(['delete', '--force', id]).code).toBe(0);
  });
});

describe('run in the foreground', () => {
  it('forwards SIGTERM to the container and exits with its status', async () => {
    const { id, cgroupsPath } = sandbox.name('fg');
    const bundle = sandbox.bundle(id, {
      cgroupsPath,
      args: ['sh', '-c', 'trap "echo bye; exit 6" TERM; echo ready; while :; do sleep 0.05; done'],
    });
    const child = sandbox.spawn(['run', '--bundle', bundle, id]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    await waitFor(() => output.includes('ready'));
    child.kill('SIGTERM');
    expect(await exited).toBe(6);
    expect(output).toBe('ready\nbye\n');
    expectNoLeaks(sandbox, id);
  });
});

describe('kill', () => {
  it('delivers the named signal and records 128+N when it kills', async () => {
    const trapping = create('trap', {
      args: [
        'sh',
        '-c',
        'trap "echo got TERM; exit 5" TERM; echo ready; while :; do sleep 0.05; done',
      ],
    });
    sandbox.tcrun(['start', trapping.id]);
    await waitFor(() => logLines(trapping.log).length > 0);
    expect(sandbox.tcrun(['kill', trapping.id])).toMatchObject({ code: 0, stderr: '' });
    await waitFor(() => exitCode(trapping) !== '');
    expect(exitCode(trapping)).toBe('5');
    expect(logLines(trapping.log).map((line) => line.log)).toEqual(['ready\n', 'got TERM\n']);
    deleteAndCheck(trapping);

    const killed = create('sigkill', { args: ['sleep', '1000'] });
    sandbox.tcrun(['start', killed.id]);
    expect(sandbox.tcrun(['kill', killed.id, 'SIGKILL']).code).toBe(0);
    await waitFor(() => exitCode(killed) !== '');
    expect(exitCode(killed)).toBe('137');
    const stopped = sandbox.tcrun(['kill', killed.id, '9']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/is stopped/);
    deleteAndCheck(killed);
  });

  it('kill --all signals every process of the container', async () => {
    const c = create('killall', {
      args: ['sh', '-c', 'sleep 1000 & sleep 1000 & wait'],
      edit: (config) => {
        config.linux.namespaces = config.linux.namespaces.filter(
          (ns: { type: string }) => ns.type !== 'pid',
        );
      },
    });
    sandbox.tcrun(['start', c.id]);
    await waitFor(
      () =>
        readFileSync(`/proc/${c.pid}/task/${c.pid}/children`, 'utf8').trim().split(' ').length ===
        2,
    );
    const children = readFileSync(`/proc/${c.pid}/task/${c.pid}/children`, 'utf8')
      .trim()
      .split(' ')
      .map(Number);
    expect(sandbox.tcrun(['kill', '--all', c.id, 'KILL']).code).toBe(0);
    await waitFor(() => exitCode(c) !== '');
    await waitFor(() => children.every((pid) => !processAlive(pid)));
    deleteAndCheck(c);
  });
});

describe('pause and resume', () => {
  it('freezes and thaws the cgroup', async () => {
    const c = create('pause', { args: ['sh', '-c', 'while :; do echo tick; sleep 0.05; done'] });
    sandbox.tcrun(['start', c.id]);
    expect(sandbox.tcrun(['pause', c.id]).code).toBe(0);
    expect(sandbox.state(c.id).status).toBe('paused');
    expect(readFileSync(`/proc/${c.pid}/status`, 'utf8')).toMatch(/State:\s+[SD]/);
    expect(sandbox.tcrun(['resume', c.id]).code).toBe(0);
    expect(sandbox.state(c.id).status).toBe('running');
    // A frozen container can still be removed: delete --force thaws it after the SIGKILL.
    expect(sandbox.tcrun(['pause', c.id]).code).toBe(0);
    deleteAndCheck(c, true);
  });
});

describe('exec', () => {
  it('runs in the same namespaces, cgroup and restrictions, passing stdio and exit code', async () => {
    const c = create('exec', {
      args: ['sleep', '1000'],
      hostname: 'exec-host',
      env: ['PATH=/bin', 'FROM_CONFIG=yes'],
    });
    sandbox.tcrun(['start', c.id]);
    const result = sandbox.tcrun(
      [
        'exec',
        '--env',
        'EXTRA=1',
        '--cwd',
        '/tmp',
        c.id,
        '--',
        'sh',
        '-c',
        'cat /proc/1/cmdline | tr "\\0" " "; echo; hostname; pwd; echo $FROM_CONFIG$EXTRA; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; cat; exit 7',
      ],
      'from stdin\n',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(7);
    expect(result.stdout).toBe(
      'sleep 1000 \nexec-host\n/tmp\nyes1\nCapEff:\t00000000a80425fb\nNoNewPrivs:\t1\nfrom stdin\n',
    );
    const user = sandbox.tcrun(['exec', '--user', '1000:1000', c.id, '/usr/bin/id']);
    expect(user.stdout).toBe('uid=1000 gid=1000\n');
    const cgroup = sandbox.tcrun(['exec', c.id, 'cat', '/proc/self/cgroup']);
    expect(cgroup.stdout).toMatch(/memory:\/$/m); // the container's own cgroup namespace root
    const missing = sandbox.tcrun(['exec', c.id, 'no-such-program']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/no-such-program not found in \$PATH/);
    deleteAndCheck(c, true);
  });

  it('refuses a container that is not running', () => {
    const c = create('exec-created', { args: ['true'] });
    const result = sandbox.tcrun(['exec', c.id, 'true']);
    expect(result).toMatchObject({
      code: 1,
      stderr: `tcrun: exec ${c.id}: container ${c.id} is created, not running\n`,
    });
    deleteAndCheck(c);
  });

  it('writes the pid file and returns at once with --detach', async () => {
    const c = create('exec-detach', { args: ['sleep', '1000'] });
    sandbox.tcrun(['start', c.id]);
    const pidFile = sandbox.path(`${c.id}.exec.pid`);
    const result = sandbox.tcrun(['exec', '--detach', '--pid-file', pidFile, c.id, 'sleep', '500']);
    expect(result.code).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\u0000500\u0000');
    deleteAndCheck(c, true);
    expect(processAlive(pid)).toBe(false);
  });
});

describe('bad input', () => {
  it('names a missing bundle, invalid JSON with its line, and a bad field', () => {
    const { id } = sandbox.name('bad');
    const missing = sandbox.tcrun(['create', '--bundle', '/nonexistent/bundle', id]);
    expect(missing).toMatchObject({
      code: 1,
      stderr: `tcrun: create ${id}: bundle /nonexistent/bundle: no such directory\n`,
    });
    const dir = sandbox.path('bad-json');
    sandbox.bundle('bad-json', { cgroupsPath: '/x', args: ['true'] });
    const bundle = join(sandbox.dir, 'bundles', 'bad-json');
    writeFileSync(join(bundle, 'config.json'), '{\n  "ociVersion": "1.0.2",\n  "process": {,\n}');
    const invalid = sandbox.tcrun(['create', '--bundle', bundle, id]);
    expect(invalid.stderr).toBe(
      `tcrun: create ${id}: bundle ${bundle}: config.json: invalid JSON at line 3: expected a string key\n`,
    );
    writeFileSync(
      join(bundle, 'config.json'),
      JSON.stringify(
        { ociVersion: '1.0.2', root: { path: 'rootfs' }, process: { args: 'sh', cwd: '/' } },
        null,
        2,
      ),
    );
    const field = sandbox.tcrun(['create', '--bundle', bundle, id]);
    expect(field.stderr).toBe(
      `tcrun: create ${id}: bundle ${bundle}: config.json: process.args: must be an array, not string (line 7)\n`,
    );
    expect(existsSync(join(sandbox.root, id))).toBe(false);
    expect(dir).toBeTruthy();
  });

  it('reports unknown and duplicate IDs', () => {
    for (const command of ['state', 'start', 'kill', 'delete', 'pause', 'exec']) {
      const args = command === 'exec' ? [command, 'nope', 'true'] : [command, 'nope'];
      expect(sandbox.tcrun(args)).toMatchObject({
        code: 1,
        stderr: `tcrun: ${command} nope: container nope does not exist\n`,
      });
    }
    const c = create('dup', { args: ['true'] });
    const bundle = join(sandbox.dir, 'bundles', c.id);
    const dup = sandbox.tcrun(['create', '--bundle', bundle, c.id]);
    expect(dup).toMatchObject({
      code: 1,
      stderr: `tcrun: create ${c.id}: container ${c.id} already exists\n`,
    });
    expect(sandbox.state(c.id).status).toBe('created');
    deleteAndCheck(c);
  });

  it('leaves nothing half-created when setup fails inside the container', () => {
    const { id, cgroupsPath } = sandbox.name('halfway');
    const bundle = sandbox.bundle(id, {
      cgroupsPath,
      args: ['true'],
      edit: (config) => {
        config.mounts.push({
          destination: '/data',
          type: 'bind',
          source: '/nonexistent/source',
          options: ['bind'],
        });
      },
    });
    const result = sandbox.tcrun(['create', '--bundle', bundle, id]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `tcrun: create ${id}: mount /data: bind source /nonexistent/source: No such file or directory\n`,
    );
    expectNoLeaks(sandbox, id);
    const early = sandbox.run('nouts', {
      args: ['true'],
      edit: (config) => {
        config.linux.namespaces = config.linux.namespaces.filter(
          (ns: { type: string }) => ns.type !== 'uts',
        );
      },
    });
    expect(early.stderr).toBe(
      `tcrun: run ${early.id}: hostname: setting it needs a uts namespace\n`,
    );
    expectNoLeaks(sandbox, early.id);
    const program = sandbox.run('noprog', { args: ['no-such-program'] });
    expect(program.stderr).toMatch(/executable file no-such-program not found in \$PATH\n$/);
    expectNoLeaks(sandbox, program.id);
  });

  it('says whether seccomp is compiled in', () => {
    const features = JSON.parse(sandbox.tcrun(['features']).stdout);
    expect(features.linux.namespaces).toEqual(expect.arrayContaining(['pid', 'network', 'mount']));
    expect(typeof features.linux.seccomp.enabled).toBe('boolean');
  });
});
