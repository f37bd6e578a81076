import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors/engine-error.js';
import { tcrunPath } from '../native/tcrun-path.js';
import { BatchQueue } from './batch-queue.js';
import { runWithInput } from './ip-batch.js';
import type { AttachmentSpec } from './link-commands.js';

/**
 * A container's network namespace, kept alive by a bind mount on a file in a run directory
 * we own (not /var/run/netns, so `ip netns list` stays clean). tcrun joins it by path.
 * Creating it costs one process, `tcrun netns-create`: it makes the file, binds the new
 * namespace on it and builds the links of `specs` over netlink, both ends (loopback up, each
 * veth addressed and routed inside, its host end up on its bridge), all or nothing. One
 * exec of a small binary instead of unshare, ip and a host ip batch: about 30% less CPU per
 * namespace, most of what is left being the kernel's own.
 */
export async function createNetns(path: string, specs: AttachmentSpec[] = []): Promise<void> {
  await runWithInput(tcrunPath(), ['netns-create', path], specs.map(attachmentLine).join(''));
}

/** A veth of netns-create: IFNAME HOST_IFNAME MAC MTU ADDRESS/PREFIX BRIDGE [GATEWAY]. */
function attachmentLine(spec: AttachmentSpec): string {
  const { ifname, hostIfname, mac, mtu, address, prefix, bridge, defaultGateway } = spec;
  const fields = [ifname, hostIfname, mac, mtu, `${address}/${prefix}`, bridge, defaultGateway];
  return `${fields.filter((field) => field !== undefined).join(' ')}\n`;
}

/**
 * Unmounts and unlinks the namespace file. The kernel frees the namespace, and with it the
 * container ends of its veth pairs (their host ends go too), once no process is left in it.
 * Missing files are not an error: destroy is idempotent. Concurrent destroys share one
 * `tcrun netns-delete` (50 containers stopping together cost a few processes, not 50, and
 * no file operations of the engine's own).
 */
export async function destroyNetns(path: string): Promise<void> {
  await deletions.submit(path);
}

const deletions = new BatchQueue<string>(deleteAll);

/** One process for many paths; each path's error is its own line of stderr. */
async function deleteAll(paths: string[]): Promise<(Error | undefined)[]> {
  let detail = '';
  await runWithInput(tcrunPath(), ['netns-delete', ...new Set(paths)]).catch((error: Error) => {
    detail = error.message.slice(error.message.indexOf(' failed: ') + ' failed: '.length);
  });
  const lines = detail.split('\n');
  const lineOf = (path: string) => lines.find((line) => line.startsWith(`netns-delete ${path}: `));
  if (detail && !paths.some(lineOf)) return paths.map(() => new EngineError(500, detail));
  return paths.map((path) => {
    const line = lineOf(path);
    return line ? new EngineError(500, line.trim()) : undefined;
  });
}

/** The namespace files left in a run directory (for leak checks and cleanup at boot). */
export async function listNetns(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.map((name) => join(dir, name));
}
