import { describe, expect, it } from 'vitest';
import { dbAndWeb, engineForFile, TestProject } from './support.js';

const testEngine = engineForFile();

const dry = (name: string, status: string) => `DRY-RUN MODE -  Container ${name}  ${status}`;

describe('--dry-run', () => {
  it('reports what each state-changing command would do and changes nothing', async () => {
    const project = new TestProject(testEngine(), 'dryrun', dbAndWeb);
    const created = await project.run('--dry-run', 'create');
    expect(created.code).toBe(0);
    expect(created.stderr).toContain(' DRY-RUN MODE -  Volume dryrun_data  Created');
    expect(created.stderr).toContain(dry('dryrun-web-1', 'Created'));
    expect(await project.containers()).toEqual({});
    const volumes = await testEngine().client.request<{ Volumes: { Name: string }[] | null }>(
      'GET',
      '/volumes',
    );
    expect((volumes.Volumes ?? []).map((v) => v.Name)).not.toContain('dryrun_data');

    expect((await project.run('up', '-d')).code).toBe(0);
    const before = await project.containers();
    expect(Object.values(before).map((c) => c.state)).toEqual(['running', 'running']);

    const checks: [string[], string][] = [
      [['--dry-run', 'stop'], dry('dryrun-web-1', 'Stopped')],
      [['stop', '--dry-run', 'db'], dry('dryrun-db-1', 'Stopped')],
      [['--dry-run', 'restart'], dry('dryrun-db-1', 'Started')],
      [['--dry-run', 'kill'], dry('dryrun-web-1', 'Killed')],
      [['--dry-run', 'pause'], dry('dryrun-web-1', 'Paused')],
      [['--dry-run', 'down', '-v'], ' DRY-RUN MODE -  Volume dryrun_data  Removed'],
      [['--dry-run', 'rm', '-s'], dry('dryrun-db-1', 'Stopped')],
      [['--dry-run', 'run', '--name', 'dryrun-once', 'web', 'true'], dry('dryrun-once', 'Created')],
    ];
    for (const [args, expected] of checks) {
      const result = await project.run(...args);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({
        args,
        code: 0,
        stderr: expect.stringContaining(expected),
      });
    }
    expect(await project.containers()).toEqual(before);

    expect((await project.run('stop', '-t', '0')).code).toBe(0);
    const start = await project.run('--dry-run', 'start');
    expect(start.stderr).toContain(dry('dryrun-db-1', 'Started'));
    const rm = await project.run('--dry-run', 'rm');
    expect(rm.code).toBe(0);
    expect(rm.stderr).toContain(dry('dryrun-web-1', 'Removed'));
    const unpaused = await project.run('--dry-run', 'unpause');
    expect(unpaused.code).toBe(0);
    expect(Object.values(await project.containers()).map((c) => c.state)).toEqual([
      'exited',
      'exited',
    ]);

    expect((await project.run('down', '-v')).code).toBe(0);
  });
});

describe('image pull policy', () => {
  const missing = (policy: string) => `
services:
  app:
    image: busybox
    network_mode: none
    command: 'true'
  web:
    image: absent-image:2
    network_mode: none
    pull_policy: ${policy}
`;

  it('fails clearly, naming the service and the image, for an absent image', async () => {
    const project = new TestProject(testEngine(), 'pulling', missing('never'));
    const never = await project.run('up', '-d');
    expect(never.code).toBe(1);
    expect(never.stderr).toContain(
      'service "web" uses image "absent-image:2", which is not present locally and pull_policy is never',
    );
    expect(await project.containers()).toEqual({});

    project.write(missing('missing'));
    const tried = await project.run('up', '-d');
    expect(tried.code).toBe(1);
    expect(tried.stderr).toContain(' Image absent-image:2  Pulling');
    expect(tried.stderr).toContain(
      'service "web": cannot pull image "absent-image:2": pull access for absent-image:2 is not available: this engine works offline',
    );
    expect(tried.stderr).not.toMatch(/\n\s+at /);
    expect(await project.containers()).toEqual({});
  });

  it('pulls with up --pull always and pull, and reports the offline engine', async () => {
    const project = new TestProject(testEngine(), 'pullall', missing('missing'));
    const always = await project.run('up', '-d', '--pull', 'always', 'app');
    expect(always.code).toBe(1);
    expect(always.stderr).toContain(
      'service "app": cannot pull image "busybox": pull access for busybox:latest is not available',
    );
    const never = await project.run('up', '-d', '--pull', 'never', 'app');
    expect(never.code).toBe(0);
    expect(never.stderr).not.toContain('Pulling');

    const pull = await project.run('pull');
    expect(pull.code).toBe(1);
    expect(pull.stderr).toContain('cannot pull image');
    const ignored = await project.run('pull', '--ignore-pull-failures', 'web');
    expect(ignored.code).toBe(0);
    expect(ignored.stderr).toContain(' Image absent-image:2  Error');
    expect(ignored.stderr).toContain('warning: service "web": cannot pull image "absent-image:2"');
    const present = await project.run('pull', '--policy', 'missing', 'app');
    expect(present.code).toBe(0);
    expect(present.stderr).toBe('');

    const noBuild = await project.run('up', '-d', '--no-build', '--pull', 'never', 'app');
    expect(noBuild.code).toBe(0);
    expect((await project.run('down')).code).toBe(0);
  });
});
