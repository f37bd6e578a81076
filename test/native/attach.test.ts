import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { BundleOptions } from '../support/oci-bundle.js';
import { expectNoLeaks, Sandbox, waitFor } from './harness.js';

const sandbox = new Sandbox();
afterAll(() => sandbox.cleanup());

/** Decodes Docker's multiplexed stream: [stream][0 0 0][uint32 BE length][payload]. */
function demultiplex(data: Buffer): { stream: number; text: string }[] {
  const frames: { stream: number; text: string }[] = [];
  let offset = 0;
  while (offset + 8 <= data.length) {
    const length = data.readUInt32BE(offset + 4);
    frames.push({
      stream: data[offset] as number,
      text: data.subarray(offset + 8, offset + 8 + length).toString(),
    });
    offset += 8 + length;
  }
  expect(offset).toBe(data.length);
  return frames;
}

function createAttached(
  label: string,
  options: Omit<BundleOptions, 'cgroupsPath'>,
  stdinOnce = false,
) {
  const { id, cgroupsPath } = sandbox.name(label);
  const bundle = sandbox.bundle(id, { ...options, cgroupsPath });
  const socket = sandbox.path(`${id}.sock`);
  const exitFile = sandbox.path(`${id}.exit`);
  const log = sandbox.path(`${id}.log`);
  const result = sandbox.tcrun([
    'create',
    '--bundle',
    bundle,
    '--attach-socket',
    socket,
    '--exit-file',
    exitFile,
    '--log-path',
    log,
    ...(stdinOnce ? ['--stdin-once'] : []),
    id,
  ]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return { id, socket, exitFile, log };
}

/** Connects and collects everything the monitor sends until it closes the connection. */
function attach(path: string): Promise<{ client: Socket; received: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const client = connect(path);
    const chunks: Buffer[] = [];
    const received = new Promise<Buffer>((done) => {
      client.on('data', (chunk) => chunks.push(chunk));
      client.on('close', () => done(Buffer.concat(chunks)));
    });
    client.once('connect', () => resolve({ client, received }));
    client.once('error', reject);
  });
}

describe('attach socket', () => {
  it('multiplexes stdout and stderr to a client attached before start, and feeds its input to stdin', async () => {
    const c = createAttached('mux', {
      args: ['sh', '-c', 'echo out; echo err >&2; read line; echo "got:$line"'],
    });
    const { client, received } = await attach(c.socket);
    expect(sandbox.tcrun(['start', c.id]).code).toBe(0);
    client.write('hello\n');
    // A frame is what one read of the program's output gave: "out" and "got:hello" may
    // share one when both are written before the monitor reads. Each stream's text may not.
    const frames = demultiplex(await received);
    const textOf = (stream: number) =>
      frames
        .filter((frame) => frame.stream === stream)
        .map((frame) => frame.text)
        .join('');
    expect({ stdout: textOf(1), stderr: textOf(2) }).toEqual({
      stdout: 'out\ngot:hello\n',
      stderr: 'err\n',
    });
    await waitFor(() => existsSync(c.exitFile));
    expect(readFileSync(c.exitFile, 'utf8')).toBe('0');
    expect(existsSync(c.socket)).toBe(false);
    expect(sandbox.tcrun(['delete', c.id]).code).toBe(0);
    expectNoLeaks(sandbox, c.id);
  });

  it('closes stdin when the first client closes its side with --stdin-once', async () => {
    const c = createAttached('once', { args: ['sh', '-c', 'cat; echo "cat done"'] }, true);
    const { client, received } = await attach(c.socket);
    sandbox.tcrun(['start', c.id]);
    client.end('abc\n');
    const frames = demultiplex(await received);
    expect(frames.map((f) => f.text).join('')).toBe('abc\ncat done\n');
    await waitFor(() => existsSync(c.exitFile));
    expect(sandbox.tcrun(['delete', c.id]).code).toBe(0);
  });

  it('sends raw bytes of a pty, made inside the container, when process.terminal is true', async () => {
    const c = createAttached('tty', {
      terminal: true,
      args: ['sh', '-c', 'tty; [ -t 0 ] && echo stdin-is-tty; read x; echo "x=$x"'],
    });
    const { client, received } = await attach(c.socket);
    let seen = '';
    client.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
    });
    sandbox.tcrun(['start', c.id]);
    // Type only once the shell is reading, so that the tty's echo comes after the first lines.
    await waitFor(() => seen.includes('stdin-is-tty'));
    client.write('typed\r');
    const text = (await received).toString();
    expect(text).toMatch(/^\/dev\/pts\/0\r\nstdin-is-tty\r\n/);
    expect(text).toMatch(/typed\r\nx=typed\r\n$/); // the tty echoes the input
    await waitFor(() => existsSync(c.exitFile));
    const log = readFileSync(c.log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(log[0]).toMatchObject({ log: '/dev/pts/0\r\n', stream: 'stdout' });
    expect(sandbox.tcrun(['delete', c.id]).code).toBe(0);
  });
});

describe('foreground terminal', () => {
  it('relays a pty for run and for exec --tty', async () => {
    const result = sandbox.run('fgtty', { terminal: true, args: ['sh', '-c', 'tty; exit 4'] });
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('/dev/pts/0\r\n');
    const { id, cgroupsPath } = sandbox.name('exectty');
    const bundle = sandbox.bundle(id, { cgroupsPath, args: ['sleep', '1000'] });
    sandbox.tcrun(['run', '--detach', '--bundle', bundle, id]);
    const exec = sandbox.tcrun(['exec', '--tty', id, 'sh', '-c', 'tty; [ -t 1 ] && echo yes']);
    expect(exec.stdout).toBe('/dev/pts/0\r\nyes\r\n');
    expect(sandbox.tcrun(['delete', '--force', id]).code).toBe(0);
  });
});
