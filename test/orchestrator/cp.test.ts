import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineClientError } from '../../src/engine/client.js';
import { runDocker, type TestEngine } from '../engine/support.js';
import { engineForFile, TestProject } from './support.js';

const testEngine = engineForFile();
let engine: TestEngine;
let project: TestProject;
let scratch: string;
const web = 'copying-web-1';

beforeAll(async () => {
  engine = testEngine();
  project = new TestProject(
    engine,
    'copying',
    `
services:
  web:
    image: busybox
    network_mode: none
    init: true
    command: sleep 600
    volumes: [data:/data]
volumes:
  data: {}
`,
  );
  scratch = mkdtempSync(join(engine.root, 'scratch-'));
  expect((await project.run('up', '-d')).code).toBe(0);
});

const inWeb = async (script: string) => {
  const result = await project.run('exec', '-T', 'web', 'sh', '-c', script);
  expect(result.stderr).toBe('');
  return result.stdout;
};

describe('docker cp against the engine archive endpoints', () => {
  it('copies a file in and out of a running container, volumes included', async () => {
    const source = join(scratch, 'note.txt');
    writeFileSync(source, 'hello from the host\n');
    const into = await runDocker(engine, ['cp', source, `${web}:/data/`]);
    expect(into.stderr).toBe('');
    expect(into.code).toBe(0);
    expect(await inWeb('cat /data/note.txt')).toBe('hello from the host\n');
    const events = await runDocker(engine, [
      'events',
      '--since',
      '0',
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      'event=extract-to-dir',
      '--format',
      '{{.Actor.Attributes.name}} {{.Action}}',
    ]);
    expect(events.stdout).toBe(`${web} extract-to-dir\n`);

    await inWeb(
      'mkdir -p /tmp/tree/sub && echo deep > /tmp/tree/sub/file && ln -s sub/file /tmp/tree/link',
    );
    const out = join(scratch, 'tree-out');
    const back = await runDocker(engine, ['cp', `${web}:/tmp/tree`, out]);
    expect(back.code).toBe(0);
    expect(readFileSync(join(out, 'sub/file'), 'utf8')).toBe('deep\n');
    expect(execFileSync('readlink', [join(out, 'link')], { encoding: 'utf8' })).toBe('sub/file\n');
  });

  it('streams a tar to stdout and reports a missing path as Docker does', async () => {
    const tar = execFileSync('/usr/local/bin/docker', ['cp', `${web}:/etc/hostname`, '-'], {
      env: engine.env,
    });
    const listing = execFileSync('tar', ['-t'], { input: tar, encoding: 'utf8' });
    expect(listing).toBe('hostname\n');

    const missing = await runDocker(engine, ['cp', `${web}:/no/such/file`, scratch]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`Could not find the file /no/such/file in container ${web}`);
  });

  it('resolves symbolic links and .. inside the container root, never the host', async () => {
    await inWeb('ln -sfn /../../../../.. /tmp/up');
    const out = join(scratch, 'passwd-via-link');
    const copied = await runDocker(engine, ['cp', `${web}:/tmp/up/etc/passwd`, out]);
    expect(copied.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(await inWeb('cat /etc/passwd'));
    expect(readFileSync(out, 'utf8')).not.toBe(readFileSync('/etc/passwd', 'utf8'));

    const dotted = join(scratch, 'passwd-dotted');
    expect((await runDocker(engine, ['cp', `${web}:/../../etc/passwd`, dotted])).code).toBe(0);
    expect(readFileSync(dotted, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('refuses archive entries that climb out of the destination', async () => {
    const archive = pack();
    archive.entry({ name: '../../../../escaped', mode: 0o644 }, 'out\n');
    archive.finalize();
    const { Readable } = await import('node:stream');
    const refused = await engine.client
      .request('PUT', `/containers/${web}/archive`, {
        query: { path: '/tmp' },
        body: Readable.from(archive),
        headers: { 'Content-Type': 'application/x-tar' },
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EngineClientError);
    expect((refused as EngineClientError).statusCode).toBe(400);
    expect((refused as EngineClientError).message).toContain('outside the destination');
    expect(await inWeb('ls /escaped 2>/dev/null; ls / | grep -c escaped || true')).toBe('0\n');
  });

  it('copies into and out of a stopped container', async () => {
    const source = join(scratch, 'while-stopped.txt');
    writeFileSync(source, 'written while stopped\n');
    expect((await project.run('stop', '-t', '0')).code).toBe(0);
    const into = await runDocker(engine, ['cp', source, `${web}:/root/`]);
    expect(into.stderr).toBe('');
    const out = join(scratch, 'stopped-out');
    expect((await runDocker(engine, ['cp', `${web}:/root/while-stopped.txt`, out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('written while stopped\n');
    expect((await project.run('start')).code).toBe(0);
    expect(await inWeb('cat /root/while-stopped.txt')).toBe('written while stopped\n');
  });
});

describe('tcompose cp', () => {
  it('copies a directory into the service and back, owners kept only with -a', async () => {
    const tree = join(scratch, 'site');
    mkdirSync(join(tree, 'css'), { recursive: true });
    writeFileSync(join(tree, 'index.html'), '<h1>hi</h1>\n');
    writeFileSync(join(tree, 'css/site.css'), 'body{}\n');
    chownSync(join(tree, 'index.html'), 1234, 4321);

    const plain = await project.run('cp', tree, 'web:/srv');
    expect(plain.stderr).toBe(` Container ${web}  Copying\n Container ${web}  Copied\n`);
    expect(plain.code).toBe(0);
    expect(await inWeb('cat /srv/index.html /srv/css/site.css')).toBe('<h1>hi</h1>\nbody{}\n');
    expect(await inWeb('stat -c %u:%g /srv/index.html')).toBe('0:0\n');

    expect((await project.run('cp', '-a', `${tree}/.`, 'web:/srv')).code).toBe(0);
    expect(await inWeb('stat -c %u:%g /srv/index.html')).toBe('1234:4321\n');

    const out = join(scratch, 'site-back');
    expect((await project.run('cp', 'web:/srv', out)).code).toBe(0);
    expect(readFileSync(join(out, 'css/site.css'), 'utf8')).toBe('body{}\n');
    expect(statSync(join(out, 'index.html')).uid).toBe(0);

    const intoExisting = join(scratch, 'existing');
    mkdirSync(intoExisting);
    expect((await project.run('cp', 'web:/srv/css', intoExisting)).code).toBe(0);
    expect(readFileSync(join(intoExisting, 'css/site.css'), 'utf8')).toBe('body{}\n');
  });

  it('writes a tar to stdout, follows a link with -L, and says what is missing', async () => {
    const tar = await project.run('cp', 'web:/etc/hostname', '-');
    expect(tar.code).toBe(0);
    expect(tar.stdout.slice(0, 8)).toBe('hostname');

    await inWeb('echo target > /tmp/real && ln -sf /tmp/real /tmp/alias');
    const followed = join(scratch, 'followed');
    expect((await project.run('cp', '-L', 'web:/tmp/alias', followed)).code).toBe(0);
    expect(readFileSync(followed, 'utf8')).toBe('target\n');

    const missing = await project.run('cp', 'web:/nowhere', scratch);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Could not find the file /nowhere in container ${web}`);
    const noService = await project.run('cp', 'nosuch:/x', scratch);
    expect(noService.code).toBe(1);
    expect(noService.stderr).toMatch(/nosuch/);
  });

  it('copies nothing with --dry-run', async () => {
    const source = join(scratch, 'dry.txt');
    writeFileSync(source, 'dry\n');
    const dry = await project.run('--dry-run', 'cp', source, 'web:/tmp/dry.txt');
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`DRY-RUN MODE -  Container ${web}  Copied`);
    expect(await inWeb('test -e /tmp/dry.txt && echo present || echo absent')).toBe('absent\n');
  });
});
