import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, startTestEngine, stopWithoutLeaks, type TestEngine } from './support.js';

let engine: TestEngine;

const docker = (...args: string[]) =>
  execa('/usr/local/bin/docker', args, { env: engine.env, reject: false, timeout: 60_000 });

/** The seccomp mode and no_new_privs of a busybox container run with these options. */
const probe = (...options: string[]) =>
  docker(
    'run',
    '--rm',
    ...options,
    'busybox',
    'grep',
    '-E',
    '^(NoNewPrivs|Seccomp):',
    '/proc/self/status',
  );

beforeAll(async () => {
  engine = await startTestEngine();
  const loaded = await docker('load', '-i', busyboxTar(engine.root));
  expect(loaded.stdout).toContain('Loaded image: busybox:latest');
});

afterAll(() => stopWithoutLeaks(engine));

describe('the default seccomp profile, as in Docker', () => {
  it('filters every container by default, without no-new-privileges', async () => {
    const result = await docker('run', '--rm', 'busybox', 'grep', 'Seccomp:', '/proc/self/status');
    expect(result).toMatchObject({ exitCode: 0, stdout: 'Seccomp:\t2' });
    expect(await probe()).toMatchObject({ exitCode: 0, stdout: 'NoNewPrivs:\t0\nSeccomp:\t2' });
  });

  it('filters with no-new-privileges too', async () => {
    expect(await probe('--security-opt', 'no-new-privileges')).toMatchObject({
      exitCode: 0,
      stdout: 'NoNewPrivs:\t1\nSeccomp:\t2',
    });
  });

  it('runs unfiltered with seccomp=unconfined', async () => {
    expect(await probe('--security-opt', 'seccomp=unconfined')).toMatchObject({
      exitCode: 0,
      stdout: 'NoNewPrivs:\t0\nSeccomp:\t0',
    });
  });

  it('filters processes started with docker exec', async () => {
    const name = `seccomp-exec-${process.pid}`;
    expect((await docker('run', '-d', '--name', name, 'busybox', 'sleep', '1000')).exitCode).toBe(
      0,
    );
    const exec = await docker('exec', name, 'grep', 'Seccomp:', '/proc/self/status');
    expect(exec).toMatchObject({ exitCode: 0, stdout: 'Seccomp:\t2' });
    expect((await docker('rm', '-f', name)).exitCode).toBe(0);
  });
});
