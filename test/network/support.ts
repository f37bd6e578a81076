import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const execFileAsync = promisify(execFile);

/**
 * Debian's static busybox crashes in some applets (wget) with certain environment layouts;
 * tools in a namespace run with a minimal environment, as in a container.
 */
const cleanEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

/** A per-test-file data root, so concurrent runs never share state or names. */
export async function makeRoot(tag: string) {
  const dir = await mkdtemp(join(tmpdir(), `tcn-${tag}-`));
  return {
    dir,
    stateDir: join(dir, 'networks'),
    runDir: join(dir, 'run', 'netns'),
    unique: (name: string) => `${name}-${dir.slice(-6).toLowerCase()}`,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs a command inside a namespace; resolves with its output and exit code, never throws. */
export async function inNetns(netns: string, args: string[], timeoutMs = 10_000) {
  try {
    const { stdout, stderr } = await execFileAsync('nsenter', [`--net=${netns}`, ...args], {
      timeout: timeoutMs,
      encoding: 'utf8',
      env: cleanEnv,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * An HTTP GET from inside a namespace with `busybox nc` (Debian's static busybox wget
 * crashes in this environment); resolves with the body, or undefined when it fails.
 */
export async function httpGet(
  netns: string,
  address: string,
  port = 80,
): Promise<string | undefined> {
  const request = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 2 ${address} ${port}`;
  const got = await inNetns(netns, ['busybox', 'sh', '-c', request]);
  if (got.code !== 0 || !got.stdout.startsWith('HTTP/1.1 200')) return undefined;
  return got.stdout.slice(got.stdout.indexOf('\r\n\r\n') + 4);
}

/** Starts a long-running server inside a namespace; stop it with stopProcess. */
export function startInNetns(netns: string, args: string[]): ChildProcess {
  return spawn('nsenter', [`--net=${netns}`, ...args], { stdio: 'ignore', env: cleanEnv });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Polls until `probe` is true (servers just started inside a namespace need a moment). */
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function linkNames(): Promise<string[]> {
  const { stdout } = await execFileAsync('ip', ['-o', 'link'], { encoding: 'utf8' });
  return stdout
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0])
    .filter((name): name is string => Boolean(name));
}

/** Bound local sockets from /proc/net/{tcp,udp}: TCP listeners and UDP sockets, with their inode. */
export async function boundSockets(
  protocol: 'tcp' | 'udp',
): Promise<{ address: string; inode: string }[]> {
  const text = await readFile(`/proc/net/${protocol}`, 'utf8');
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length > 9 && (protocol === 'udp' || fields[3] === '0A'))
    .map((fields) => {
      const [ipHex, portHex] = fields[1].split(':');
      const ip = [3, 2, 1, 0]
        .map((i) => Number.parseInt(ipHex.slice(i * 2, i * 2 + 2), 16))
        .join('.');
      return { address: `${ip}:${Number.parseInt(portHex, 16)}`, inode: fields[9] };
    });
}

/** The inodes of the sockets this process holds open (the DNS servers and proxies run in it). */
async function ownSocketInodes(): Promise<Set<string>> {
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(
    fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
  );
  return new Set(
    targets
      .map((target) => /^socket:\[(\d+)\]$/.exec(target)?.[1])
      .filter((inode) => inode !== undefined),
  );
}

/**
 * Asserts that none of our links or namespace files outlived the test, and that this
 * process holds no TCP listener or UDP socket any more (sockets of concurrent runs on the
 * same addresses are not ours: ownership is checked by inode).
 */
export async function expectNoLeaks(leftovers: {
  links?: string[];
  runDir?: string;
}): Promise<void> {
  const links = await linkNames();
  expect(links.filter((name) => leftovers.links?.includes(name))).toEqual([]);
  if (leftovers.runDir) {
    expect(await readdir(leftovers.runDir).catch(() => [])).toEqual([]);
  }
  expect(await ownBoundSockets()).toEqual([]);
}

/**
 * A test file's end: runs its own teardown, closes its network manager, asserts that
 * nothing of it is left, and removes its root whatever happened.
 */
export async function closeWithoutLeaks(
  manager: { close(): Promise<void> },
  root: { runDir: string; remove(): Promise<void> },
  links: string[],
  teardown: () => Promise<void> = async () => {},
): Promise<void> {
  try {
    await teardown();
    await manager.close();
    await expectNoLeaks({ links, runDir: root.runDir });
  } finally {
    await root.remove();
  }
}

/** The addresses of the TCP listeners and UDP sockets this process holds. */
export async function ownBoundSockets(): Promise<string[]> {
  const own = await ownSocketInodes();
  const bound = [...(await boundSockets('tcp')), ...(await boundSockets('udp'))];
  return bound.filter((socket) => own.has(socket.inode)).map((socket) => socket.address);
}
