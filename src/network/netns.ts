import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../engine/errors.js';
import { BatchQueue } from './batch-queue.js';
import { runWithInput } from './ip-batch.js';

/**
 * A container's network namespace, kept alive by a bind mount on a file in a run directory
 * we own (not /var/run/netns, so `ip netns list` stays clean). tcrun joins it by path.
 * Creating it costs one process: `unshare --net=<file>` binds the new namespace on the file
 * and runs `ip -batch` inside it: loopback up, then `lines` (the links of its networks).
 */
export async function createNetns(path: string, lines: string[] = []): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '', { flag: 'wx' });
  try {
    const input = `${['link set lo up', ...lines].join('\n')}\n`;
    await runWithInput('unshare', [`--net=${path}`, 'ip', '-batch', '-'], input);
  } catch (error) {
    await destroyNetns(path);
    throw error;
  }
}

/**
 * Unmounts and unlinks the namespace file. The kernel frees the namespace, and with it the
 * container ends of its veth pairs (their host ends go too), once no process is left in it.
 * Missing files are not an error: destroy is idempotent. Concurrent destroys share `umount`
 * processes (50 containers stopping together cost a few, not 50).
 */
export async function destroyNetns(path: string): Promise<void> {
  await unmounts.submit(path);
  await rm(path, { force: true });
}

const unmounts = new BatchQueue<string>(unmountAll);

/** One `umount` for many paths; each path's error is its own line of umount's stderr. */
async function unmountAll(paths: string[]): Promise<(Error | undefined)[]> {
  let detail = '';
  await runWithInput('umount', [...new Set(paths)]).catch((error: Error) => {
    detail = error.message.slice(error.message.indexOf(' failed: ') + ' failed: '.length);
  });
  const lines = detail.split('\n');
  const lineOf = (path: string) => lines.find((line) => line.includes(`umount: ${path}: `));
  if (detail && !paths.some(lineOf)) return paths.map(() => new EngineError(500, detail));
  return paths.map((path) => {
    const line = lineOf(path);
    if (!line || /not mounted|no mount point|No such file/.test(line)) return undefined;
    return new EngineError(500, line.trim());
  });
}

/** The namespace files left in a run directory (for leak checks and cleanup at boot). */
export async function listNetns(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.map((name) => join(dir, name));
}
