import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { badParameter, conflict, notFound } from '../errors/engine-error.js';
import { labelsMatch } from './api/filters.js';
import type { EventBus } from './events.js';
import { runCommand } from './images/command.js';
import { JsonStore } from './state/store.js';

export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
  /** Created implicitly for a container's anonymous mount; removed with the container's `v`. */
  anonymous?: boolean;
}

export interface VolumeCreateRequest {
  Name?: unknown;
  Driver?: unknown;
  DriverOpts?: unknown;
  Labels?: unknown;
}

const validName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw badParameter(`invalid volume: ${field} must be an object of strings`);
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string')
      throw badParameter(`invalid volume: ${field}.${key} must be a string`);
  }
  return value as Record<string, string>;
}

/** Checks the local driver's options: plain directory, a bind of a host path, or tmpfs. */
function checkDriverOptions(options: Record<string, string>): void {
  for (const key of Object.keys(options)) {
    if (!['type', 'o', 'device'].includes(key)) {
      throw badParameter(`invalid option key: "${key}" (the local driver knows type, o, device)`);
    }
  }
  const { type, o, device } = options;
  if (type === undefined && (o !== undefined || device !== undefined)) {
    throw badParameter('missing required option: "type"');
  }
  if (type === 'none') {
    if (!o?.split(',').includes('bind') || !device?.startsWith('/')) {
      throw badParameter('type=none needs o=bind and an absolute device path');
    }
  } else if (type !== undefined && type !== 'tmpfs') {
    throw badParameter(`unsupported volume type "${type}" (use none with o=bind, or tmpfs)`);
  }
}

/**
 * The local volume driver: a named directory under the data root (its `_data`), a bind
 * of a host directory (type=none, o=bind, device=PATH), or a tmpfs mounted on the host
 * while a container uses it. Data is never removed except by removing the volume.
 */
export class VolumeManager {
  private readonly store: JsonStore<VolumeRecord>;
  private readonly volumes = new Map<string, VolumeRecord>();

  constructor(
    readonly dir: string,
    private readonly events: EventBus,
    /** Container names using each volume, answered by the container manager. */
    private usersOf: (name: string) => string[] = () => [],
  ) {
    this.store = new JsonStore(dir, 'volume.json');
  }

  setUsageLookup(usersOf: (name: string) => string[]): void {
    this.usersOf = usersOf;
  }

  async load(): Promise<void> {
    for (const volume of await this.store.loadAll()) this.volumes.set(volume.Name, volume);
  }

  list(): VolumeRecord[] {
    return [...this.volumes.values()];
  }

  get(name: string): VolumeRecord {
    const volume = this.volumes.get(name);
    if (!volume) throw notFound(`get ${name}: no such volume`);
    return volume;
  }

  find(name: string): VolumeRecord | undefined {
    return this.volumes.get(name);
  }

  inUse(name: string): boolean {
    return this.usersOf(name).length > 0;
  }

  async create(request: VolumeCreateRequest, anonymous = false): Promise<VolumeRecord> {
    if (request.Name !== undefined && typeof request.Name !== 'string') {
      throw badParameter('invalid volume: Name must be a string');
    }
    if (request.Driver !== undefined && request.Driver !== '' && request.Driver !== 'local') {
      throw notFound(`error looking up volume plugin ${String(request.Driver)}: plugin not found`);
    }
    const name = request.Name || randomBytes(32).toString('hex');
    if (!validName.test(name)) {
      throw badParameter(
        `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`,
      );
    }
    const options = stringMap(request.DriverOpts, 'DriverOpts');
    const labels = stringMap(request.Labels, 'Labels');
    checkDriverOptions(options);
    const existing = this.volumes.get(name);
    if (existing) return existing;
    const volume: VolumeRecord = {
      Name: name,
      Driver: 'local',
      Mountpoint: join(this.store.objectDir(name), '_data'),
      CreatedAt: new Date().toISOString(),
      Labels: labels,
      Scope: 'local',
      Options: options,
      ...(anonymous ? { anonymous } : {}),
    };
    await mkdir(volume.Mountpoint, { recursive: true });
    await this.store.save(name, volume);
    this.volumes.set(name, volume);
    this.events.publish('volume', 'create', name, { driver: 'local' });
    return volume;
  }

  async remove(name: string, force = false): Promise<void> {
    const volume = this.volumes.get(name);
    if (!volume) {
      if (force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    const users = this.usersOf(name);
    if (users.length > 0) {
      throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    }
    await this.unmountTmpfs(volume);
    this.volumes.delete(name);
    await this.store.remove(name);
    this.events.publish('volume', 'destroy', name, { driver: 'local' });
  }

  /** The host path a container mount of this volume binds, mounting a tmpfs volume first. */
  async hostPath(volume: VolumeRecord): Promise<string> {
    if (volume.Options.type === 'none') return volume.Options.device as string;
    if (volume.Options.type === 'tmpfs' && !(await this.isMounted(volume.Mountpoint))) {
      const options = volume.Options.o ? ['-o', volume.Options.o] : [];
      await runCommand('mount', ['-t', 'tmpfs', ...options, 'tmpfs', volume.Mountpoint]);
    }
    return volume.Mountpoint;
  }

  /**
   * Called when a container using the volume stopped: a tmpfs volume's content lives only
   * while some running container uses it, as with Docker.
   */
  async release(name: string, stillRunning: boolean): Promise<void> {
    const volume = this.volumes.get(name);
    if (volume && !stillRunning) await this.unmountTmpfs(volume);
  }

  private async unmountTmpfs(volume: VolumeRecord): Promise<void> {
    if (volume.Options.type === 'tmpfs' && (await this.isMounted(volume.Mountpoint))) {
      await runCommand('umount', [volume.Mountpoint]);
    }
  }

  private async isMounted(path: string): Promise<boolean> {
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    return mounts.split('\n').some((line) => line.split(' ')[4] === path);
  }

  /** Docker's volume list filters: name (substring), label, dangling, driver. */
  filter(filters: Record<string, string[]>): VolumeRecord[] {
    return this.list().filter((volume) => {
      if (filters.name && !filters.name.some((name) => volume.Name.includes(name))) return false;
      if (filters.label && !labelsMatch(volume.Labels, filters.label)) return false;
      if (filters.driver && !filters.driver.includes('local')) return false;
      if (filters.dangling) {
        const dangling = filters.dangling.some((value) => value === 'true' || value === '1');
        if (dangling === this.inUse(volume.Name)) return false;
      }
      return true;
    });
  }

  async prune(
    filters: Record<string, string[]>,
  ): Promise<{ deleted: string[]; reclaimed: number }> {
    const all = filters.all?.some((value) => value === 'true' || value === '1');
    const candidates = this.filter({ ...filters, dangling: ['true'] }).filter(
      (volume) => all || volume.anonymous,
    );
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const volume of candidates) {
      reclaimed += await directorySize(volume.Mountpoint);
      await this.remove(volume.Name);
      deleted.push(volume.Name);
    }
    return { deleted, reclaimed };
  }
}

export async function directorySize(path: string): Promise<number> {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) total += await directorySize(child);
    else total += (await lstat(child).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
