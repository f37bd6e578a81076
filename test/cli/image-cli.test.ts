import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  busyboxTar,
  repo,
  startTestEngine,
  stopTestEngine,
  type TestEngine,
} from '../engine/support.js';

const run = promisify(execFile);
let engine: TestEngine;
let scratch: string;

/** Runs the built CLI against the test engine; resolves to its exit code and output. */
async function tcompose(...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(repo, 'dist/cli/main.cjs'), ...args],
      {
        env: engine.env,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  engine = await startTestEngine();
  scratch = mkdtempSync(join(engine.root, 'scratch-'));
});

afterAll(async () => {
  const leaks = await stopTestEngine(engine);
  expect(leaks).toEqual({ processes: [], mounts: [], cgroups: [], bridges: [] });
});

describe('tcompose image', () => {
  it('loads, lists, tags, inspects, saves and removes images through the engine API', async () => {
    const load = await tcompose('image', 'load', '-i', busyboxTar(scratch));
    expect(load).toMatchObject({ code: 0, stdout: 'Loaded image: busybox:latest\n' });

    expect((await tcompose('image', 'tag', 'busybox', 'local/tools:1.0')).code).toBe(0);
    const list = await tcompose('image', 'ls');
    expect(list.stdout).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\n/);
    expect(list.stdout).toMatch(/\nbusybox\s+latest\s+[0-9a-f]{12}\s+.+ ago\s+\d/);
    expect(list.stdout).toMatch(/\nlocal\/tools\s+1\.0\s+/);

    const inspect = await tcompose('image', 'inspect', 'local/tools:1.0');
    const [details] = JSON.parse(inspect.stdout) as { RepoTags: string[] }[];
    expect(details.RepoTags).toEqual(expect.arrayContaining(['busybox:latest', 'local/tools:1.0']));

    const archive = join(scratch, 'saved.tar');
    expect((await tcompose('image', 'save', '-o', archive, 'local/tools:1.0')).code).toBe(0);
    expect(statSync(archive).size).toBeGreaterThan(1_000_000);

    expect(await tcompose('image', 'rm', 'local/tools:1.0')).toMatchObject({
      code: 0,
      stdout: 'Untagged: local/tools:1.0\n',
    });
    expect((await tcompose('image', 'ls', '-q')).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('imports a root filesystem tarball with changes', async () => {
    const rootfs = join(scratch, 'rootfs.tar');
    await run('tar', ['-C', '/', '-cf', rootfs, 'etc/hostname']);
    const imported = await tcompose(
      'image',
      'import',
      '--change',
      'CMD ["cat", "/etc/hostname"]',
      rootfs,
      'fromtar:v1',
    );
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const [details] = JSON.parse((await tcompose('image', 'inspect', 'fromtar:v1')).stdout) as {
      Config: { Cmd: string[] };
    }[];
    expect(details.Config.Cmd).toEqual(['cat', '/etc/hostname']);
    expect((await tcompose('image', 'rm', 'fromtar:v1')).code).toBe(0);
  });

  it('says which image is missing, with exit code 1 and no stack trace', async () => {
    const missing = await tcompose('image', 'rm', 'nosuch:tag');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('No such image: nosuch:tag\n');
    const load = await tcompose('image', 'load', '-i', join(scratch, 'absent.tar'));
    expect(load.code).toBe(1);
    expect(load.stderr).toBe(`cannot read ${join(scratch, 'absent.tar')}: no such file\n`);
    expect(existsSync(join(scratch, 'absent.tar'))).toBe(false);
  });

  it('prunes images no container uses', async () => {
    expect((await tcompose('image', 'tag', 'busybox', 'spare:1')).code).toBe(0);
    const pruned = await tcompose('image', 'prune', '-a');
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(/Total reclaimed space: /);
    expect((await tcompose('image', 'ls', '-q')).stdout).toBe('');
  });
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));
