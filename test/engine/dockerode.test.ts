import { createReadStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, startTestEngine, stopWithoutLeaks, type TestEngine } from './support.js';

let engine: TestEngine;
let docker: Docker;

beforeAll(async () => {
  engine = await startTestEngine();
  docker = new Docker({ socketPath: engine.socket });
});

afterAll(() => stopWithoutLeaks(engine));

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

/** Runs an exec and returns its demultiplexed stdout and exit code. */
async function execIn(container: Docker.Container, cmd: string[]) {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise((resolve) => stream.on('end', resolve));
  const output = collect(stdout);
  await ended;
  stdout.end();
  stderr.end();
  return { stdout: await output, exitCode: (await exec.inspect()).ExitCode };
}

describe('dockerode against the engine', () => {
  it('reads version and info', async () => {
    expect(await docker.version()).toMatchObject({ ApiVersion: '1.47', MinAPIVersion: '1.41' });
    expect(await docker.info()).toMatchObject({ Driver: 'overlay2', OSType: 'linux' });
  });

  it('loads and lists the busybox image', async () => {
    const progress = await docker.loadImage(createReadStream(busyboxTar(engine.root)));
    expect(await collect(progress)).toContain('Loaded image: busybox:latest');
    const images = await docker.listImages();
    expect(images.flatMap((image) => image.RepoTags ?? [])).toContain('busybox:latest');
  });

  it('runs a container to completion with its output on a TTY', async () => {
    const output = new PassThrough();
    const text = collect(output);
    const [result] = (await docker.run('busybox', ['echo', 'hi'], output, {
      HostConfig: { AutoRemove: true },
    })) as [{ StatusCode: number }];
    output.end();
    expect(result.StatusCode).toBe(0);
    // dockerode's run uses a TTY for a single output stream: the terminal turns \n into \r\n.
    expect(await text).toBe('hi\r\n');
  });

  it('creates, starts, lists, logs, execs, inspects, stops and removes a container', async () => {
    const container = await docker.createContainer({
      name: 'w',
      Image: 'busybox',
      Cmd: ['sh', '-c', 'echo ready; exec sleep 1000'],
      Labels: { role: 'test' },
    });
    await container.start();
    const listed = await docker.listContainers({ filters: { label: ['role=test'] } });
    expect(listed.map((entry) => entry.Names[0])).toEqual(['/w']);
    let logs = '';
    for (let attempt = 0; attempt < 20 && !logs.includes('ready'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      logs = ((await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer)
        .subarray(8)
        .toString();
    }
    expect(logs).toBe('ready\n');
    expect(await execIn(container, ['hostname'])).toEqual({
      stdout: `${container.id.slice(0, 12)}\n`,
      exitCode: 0,
    });
    expect((await execIn(container, ['sh', '-c', 'exit 4'])).exitCode).toBe(4);
    expect((await container.inspect()).State).toMatchObject({ Running: true, Status: 'running' });
    await expect(container.remove()).rejects.toMatchObject({ statusCode: 409 });
    await container.stop({ t: 1 });
    expect((await container.inspect()).State).toMatchObject({ Running: false, ExitCode: 137 });
    await container.remove();
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('keeps volume data across containers', async () => {
    await docker.createVolume({ Name: 'vol' });
    expect((await docker.listVolumes()).Volumes.map((volume) => volume.Name)).toContain('vol');
    expect(await docker.getVolume('vol').inspect()).toMatchObject({ Name: 'vol', Driver: 'local' });
    const write = await docker.run(
      'busybox',
      ['sh', '-c', 'echo kept > /data/file'],
      new PassThrough(),
      {
        HostConfig: { Binds: ['vol:/data'], AutoRemove: true },
      },
    );
    expect((write as [{ StatusCode: number }])[0].StatusCode).toBe(0);
    // Attached without a TTY: the output arrives multiplexed and dockerode splits it.
    const reader = await docker.createContainer({
      Image: 'busybox',
      Cmd: ['cat', '/data/file'],
      HostConfig: { Binds: ['vol:/data'], AutoRemove: true },
    });
    const stream = await reader.attach({ stream: true, stdout: true, stderr: true });
    const output = new PassThrough();
    docker.modem.demuxStream(stream, output, new PassThrough());
    const text = collect(output);
    stream.on('end', () => output.end());
    await reader.start();
    expect(await reader.wait({ condition: 'removed' })).toMatchObject({ StatusCode: 0 });
    expect(await text).toBe('kept\n');
    await docker.getVolume('vol').remove();
  });

  it('streams events with since and until', async () => {
    const since = Math.floor(Date.now() / 1000) - 120;
    const until = Math.ceil(Date.now() / 1000) + 1;
    const stream = await docker.getEvents({
      since,
      until,
      filters: { type: ['container'], event: ['start', 'die'] },
    });
    const events = (await collect(stream))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { Action: string });
    expect(new Set(events.map((event) => event.Action))).toEqual(new Set(['start', 'die']));
  });
});
