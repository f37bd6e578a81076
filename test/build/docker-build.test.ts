import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDocker } from '../engine/support.js';
import { engineForFile, eventually } from '../orchestrator/support.js';

const testEngine = engineForFile();

/** The real docker CLI with the legacy builder, which speaks POST /build. */
const docker = (...args: string[]) =>
  runDocker({ ...testEngine(), env: { ...testEngine().env, DOCKER_BUILDKIT: '0' } }, args);

async function ok(...args: string[]): Promise<string> {
  const result = await docker(...args);
  expect({ args, code: result.code, stderr: result.stderr }).toMatchObject({ args, code: 0 });
  return result.stdout;
}

/** A build context directory with these files. */
function context(files: Record<string, string>): string {
  const directory = mkdtempSync(join(testEngine().root, 'ctx-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(directory, name)), { recursive: true });
    writeFileSync(join(directory, name), text);
  }
  return directory;
}

/** A `docker build` left running; `printed` tells when its RUN step has printed 42. */
function startBuild(...args: string[]) {
  const client = spawn('/usr/local/bin/docker', ['build', ...args], {
    env: { ...testEngine().env, DOCKER_BUILDKIT: '0' },
  });
  let output = '';
  client.stdout.on('data', (chunk) => {
    output += chunk;
  });
  return { client, printed: () => output.includes('\n42\n') };
}

const layerCount = () => readdirSync(join(testEngine().root, 'images', 'layers')).length;

describe('docker build (legacy builder) against the engine', () => {
  const app = {
    Dockerfile: [
      'FROM busybox',
      'ARG GREETING=hello',
      'ENV NAME=world',
      'WORKDIR /app',
      'COPY greet.txt data/',
      'RUN echo "$GREETING $NAME" > /app/made.txt && rm -f /bin/vi',
      'COPY --chmod=755 run.sh .',
      'CMD ["./run.sh"]',
      '',
    ].join('\n'),
    'greet.txt': 'from the context\n',
    'run.sh': '#!/bin/sh\ncat made.txt data/greet.txt\npwd\ntest -e /bin/vi || echo vi gone\n',
    'secret.txt': 'ignored\n',
    '.dockerignore': 'secret.txt\n',
  };

  it('builds a multi-step Dockerfile that runs as the steps made it', async () => {
    const directory = context(app);
    const output = await ok('build', '-t', 'built-app', directory);
    expect(output).toContain('Step 6/8 : RUN echo');
    expect(output).toMatch(/Successfully built [0-9a-f]{12}/);
    expect(output).toContain('Successfully tagged built-app:latest');
    expect(await ok('run', '--rm', 'built-app')).toBe(
      'hello world\nfrom the context\n/app\nvi gone\n',
    );
    expect(await ok('run', '--rm', 'built-app', 'ls', '-l', '/app/run.sh')).toMatch(/^-rwxr-xr-x/);
    expect((await ok('ps', '-a', '-q')).trim()).toBe('');
  });

  it('uses the cache on a second build and honours --no-cache', async () => {
    const directory = context(app);
    const first = await ok('build', '-q', '-t', 'cached-app', directory);
    const layers = layerCount();
    const second = await ok('build', '-t', 'cached-app', directory);
    expect(second).toContain('Using cache');
    expect(second).not.toContain('Running in');
    expect(second).toContain(
      `Successfully built ${first.trim().replace('sha256:', '').slice(0, 12)}`,
    );
    expect(layerCount()).toBe(layers);
    const rebuilt = await ok('build', '--no-cache', '-t', 'cached-app', directory);
    expect(rebuilt).toContain('Running in');
    expect(rebuilt).not.toContain('Using cache');

    // The steps' images are intermediate ones: hidden, not dangling, and the build cache.
    expect(await ok('images', '--filter', 'dangling=true', '-q')).toBe('');
    const withIntermediates = (await ok('images', '-a', '-q')).trim().split('\n');
    await ok('builder', 'prune', '-f');
    const afterBuilderPrune = (await ok('images', '-a', '-q')).trim().split('\n');
    expect(afterBuilderPrune.length).toBeLessThan(withIntermediates.length);
    expect(afterBuilderPrune.length).toBe((await ok('images', '-q')).trim().split('\n').length);
    expect(await ok('run', '--rm', 'cached-app')).toContain('hello world');
    const afterPrune = await ok('build', '-t', 'cached-app', directory);
    expect(afterPrune).toContain('Running in');
  });

  it('passes build args and copies from an earlier stage', async () => {
    const directory = context({
      Dockerfile: `
        ARG BASE=busybox
        FROM $BASE AS maker
        ARG WHO
        RUN mkdir /out && echo "made by \${WHO:-nobody}" > /out/result
        FROM scratch
        COPY --from=maker /out/result /result
        COPY --from=maker /bin/busybox /bin/cat
        ENTRYPOINT ["/bin/cat", "/result"]
      `,
    });
    await ok('build', '--build-arg', 'WHO=tester', '-t', 'multi-stage', directory);
    expect(await ok('run', '--rm', 'multi-stage')).toBe('made by tester\n');
    await ok('build', '--target', 'maker', '-t', 'first-stage', directory);
    expect(await ok('run', '--rm', 'first-stage', 'cat', '/out/result')).toBe('made by nobody\n');
  });

  it('builds with a Dockerfile outside the context (-f), which the CLI sends cut short', async () => {
    const directory = context({ 'data.txt': 'data\n' });
    const dockerfile = join(testEngine().root, 'Outside.Dockerfile');
    writeFileSync(dockerfile, 'FROM busybox\nENV A=1\nCOPY data.txt /\n');
    await ok('build', '-t', 'outside', '-f', dockerfile, directory);
    expect(await ok('run', '--rm', 'outside', 'sh', '-c', 'echo $A; cat /data.txt')).toBe(
      '1\ndata\n',
    );
  });

  it('follows the context and layer rules of COPY, ADD and RUN', async () => {
    const directory = context({
      Dockerfile: [
        'FROM busybox',
        'RUN mkdir -p /d/sub && touch /d/sub/old && ln -s /tmp /link',
        'RUN rm -rf /d/sub && mkdir /d/sub && touch /d/sub/new',
        'COPY . /ctx/',
        'COPY *.txt /texts/',
        'COPY --chown=nobody:nogroup a.txt /link/owned.txt',
        'ADD bundle.tar.gz /unpacked/',
        'ADD bundle.tar.gz /kept/bundle.tgz.d/',
        'CMD ["sh", "-c", "ls /d/sub; ls /ctx /texts /unpacked/inner; stat -c %U:%G /tmp/owned.txt"]',
      ].join('\n'),
      'a.txt': 'a\n',
      'b.txt': 'b\n',
      'notes.md': 'ignored by pattern\n',
      'keep.md': 'kept by an exception\n',
      '.dockerignore': '*.md\n!keep.md\nbundle-src\n',
      'bundle-src/inner/file': 'from the archive\n',
    });
    execFileSync('tar', [
      'czf',
      join(directory, 'bundle.tar.gz'),
      '-C',
      join(directory, 'bundle-src'),
      'inner',
    ]);
    await ok('build', '-t', 'copy-rules', directory);
    expect(await ok('run', '--rm', 'copy-rules')).toBe(
      [
        'new',
        '/ctx:',
        'Dockerfile',
        'a.txt',
        'b.txt',
        'bundle.tar.gz',
        'keep.md',
        '',
        '/texts:',
        'a.txt',
        'b.txt',
        '',
        '/unpacked/inner:',
        'file',
        'nobody:nogroup',
        '',
      ].join('\n'),
    );
    expect(await ok('run', '--rm', 'copy-rules', 'ls', '/kept/bundle.tgz.d/inner')).toBe('file\n');
  });

  it('reports a failing RUN and leaves no container, snapshot or layer behind', async () => {
    const layers = layerCount();
    const directory = context({
      Dockerfile: 'FROM busybox\nRUN echo about to fail && exit 3\n',
    });
    const result = await docker('build', '-t', 'broken', directory);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('about to fail');
    expect(result.stderr).toContain(
      "Dockerfile:2: The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3",
    );
    expect((await ok('ps', '-a', '-q')).trim()).toBe('');
    expect(readdirSync(join(testEngine().root, 'images', 'snapshots'))).toEqual([]);
    expect(layerCount()).toBe(layers);
    expect((await docker('image', 'inspect', 'broken')).code).not.toBe(0);
  });

  it('cancels the build when the client goes away, killing the running step', async () => {
    const directory = context({ Dockerfile: 'FROM busybox\nRUN echo $((6 * 7)) && sleep 60\n' });
    const { client, printed } = startBuild('-t', 'canceled', directory);
    await eventually(printed);
    client.kill('SIGKILL');
    await eventually(async () => (await ok('ps', '-a', '-q')).trim() === '');
    await eventually(
      () => readdirSync(join(testEngine().root, 'images', 'snapshots')).length === 0,
    );
    expect((await docker('image', 'inspect', 'canceled')).code).not.toBe(0);
  });

  it('removes what a build held when its engine was killed, at the next start', async () => {
    const directory = context({ Dockerfile: 'FROM busybox\nRUN echo $((6 * 7)) && sleep 60\n' });
    const { client, printed } = startBuild(directory);
    const clientExited = new Promise((resolve) => client.on('exit', resolve));
    await eventually(printed);
    await testEngine().kill('SIGKILL');
    await clientExited;
    await testEngine().restart();
    await eventually(async () => (await ok('ps', '-a', '-q')).trim() === '');
    await eventually(() => !readdirSync(join(testEngine().root, 'build')).includes('tmp'));
    expect(readdirSync(join(testEngine().root, 'images', 'snapshots'))).toEqual([]);
  });

  it('hides intermediate images unless -a, keeps them from image prune, removes them with their image', async () => {
    const directory = context({
      Dockerfile: 'FROM busybox\nENV LAYERED=1\nRUN echo x > /x\nCMD ["cat", "/x"]\n',
    });
    await ok('build', '-t', 'layered', directory);
    const inspect = async (format: string, name: string) =>
      (await ok('image', 'inspect', '-f', format, name)).trim();
    const id = await inspect('{{.Id}}', 'layered');
    const parent = await inspect('{{.Parent}}', 'layered');
    const grandparent = await inspect('{{.Parent}}', parent);
    expect(await inspect('{{.Parent}}', grandparent)).toBe(await inspect('{{.Id}}', 'busybox'));
    const listed = await ok('images', '-q', '--no-trunc');
    expect(listed).toContain(id);
    expect(listed).not.toContain(parent);
    await ok('image', 'prune', '-f');
    expect(await ok('images', '-a', '-q', '--no-trunc')).toContain(parent);
    const refused = await docker('rmi', parent);
    expect(refused.stderr).toContain('image has dependent child images');
    const removed = await ok('rmi', 'layered');
    expect(removed).toContain(`Deleted: ${parent}`);
    expect(removed).toContain(`Deleted: ${grandparent}`);
    expect(await ok('images', '-a', '-q', '--no-trunc')).not.toContain(grandparent);
  });

  it('runs the ONBUILD triggers of a base image first, and the image made does not keep them', async () => {
    const base = context({
      Dockerfile: 'FROM busybox\nONBUILD COPY note.txt /from-child/\nONBUILD RUN echo ran > /ran\n',
    });
    await ok('build', '-t', 'onbuild-base', base);
    expect(await ok('image', 'inspect', '-f', '{{json .Config.OnBuild}}', 'onbuild-base')).toBe(
      '["COPY note.txt /from-child/","RUN echo ran > /ran"]\n',
    );
    const child = context({
      Dockerfile: 'FROM onbuild-base\nCMD ["cat", "/ran", "/from-child/note.txt"]\n',
      'note.txt': 'child context\n',
    });
    const output = await ok('build', '-t', 'onbuild-child', child);
    expect(output).toContain('# Executing 2 build triggers');
    expect(await ok('run', '--rm', 'onbuild-child')).toBe('ran\nchild context\n');
    expect(await ok('image', 'inspect', '-f', '{{json .Config.OnBuild}}', 'onbuild-child')).toBe(
      'null\n',
    );
    const refused = await docker(
      'build',
      context({ Dockerfile: 'FROM busybox\nONBUILD FROM scratch\n' }),
    );
    expect(refused.stderr).toContain("Dockerfile:2: FROM isn't allowed as an ONBUILD trigger");
  });

  it('names the Dockerfile line of a bad instruction, a missing image and an offline ADD', async () => {
    const unknown = await docker('build', context({ Dockerfile: 'FROM busybox\n\nRUNN true\n' }));
    expect(unknown.stderr).toContain('Dockerfile:3: unknown instruction: RUNN');
    const missing = await docker('build', context({ Dockerfile: 'FROM nosuchimage:1\n' }));
    expect(missing.stderr).toContain(
      'Dockerfile:1: image "nosuchimage:1" is not available locally',
    );
    const url = await docker(
      'build',
      context({ Dockerfile: 'FROM busybox\nADD http://127.0.0.1:1/x /x\n' }),
    );
    expect(url.stderr).toContain('Dockerfile:2: ADD from a URL is not available offline');
  });
});
