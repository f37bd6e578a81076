import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type HostsInput, hostnameFile, hostsFile } from './hosts-file.js';
import { type ResolvConfInput, resolvConf } from './resolv-conf.js';

export interface ContainerFilePaths {
  resolvConf: string;
  hosts: string;
  hostname: string;
}

/**
 * Writes resolv.conf, hosts and hostname for a container into `dir` (atomically, so a
 * bind mount never sees half a file) and returns their paths; the engine bind-mounts them
 * read-only on /etc/resolv.conf, /etc/hosts and /etc/hostname unless the user mounts their own.
 */
export async function writeContainerFiles(
  dir: string,
  input: { resolv: ResolvConfInput; hosts: HostsInput },
): Promise<ContainerFilePaths> {
  await mkdir(dir, { recursive: true });
  const paths = {
    resolvConf: join(dir, 'resolv.conf'),
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
  };
  await Promise.all([
    writeAtomically(paths.resolvConf, resolvConf(input.resolv)),
    writeAtomically(paths.hosts, hostsFile(input.hosts)),
    writeAtomically(paths.hostname, hostnameFile(input.hosts.hostname)),
  ]);
  return paths;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, content, { mode: 0o644 });
  await rename(temporary, path);
}
