import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IpamPlan } from './ipam.js';

/** One container's presence on a network: its link, address and DNS names. */
export interface EndpointRecord {
  /** Engine container id: the key of the endpoint on its network. */
  containerId: string;
  /** Path of the container's network namespace file. */
  sandbox: string;
  ifname: string;
  hostIfname: string;
  address: string;
  mac: string;
  /** True when this network carries the container's default route. */
  defaultRoute: boolean;
  dns: EndpointNames;
}

/** What other containers on the network may call this one. */
export interface EndpointNames {
  /** Container name (without a leading slash). */
  name: string;
  hostname?: string;
  /** Compose service: its name resolves to every running replica. */
  service?: string;
  aliases?: string[];
  /** `links` of this container: alias → name of the target, visible to this container only. */
  links?: Record<string, string>;
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: 'bridge';
  created: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  internal: boolean;
  attachable: boolean;
  ipam: IpamPlan;
  bridge: string;
  mtu: number;
  endpoints: Record<string, EndpointRecord>;
}

/**
 * Networks persisted as `<dir>/<id>.json`, each written to a temporary file then renamed,
 * so a crash leaves the old record or the new one, never half of one. Saves of one record
 * are coalesced: while a write runs, every save asked for meanwhile shares the one next
 * write, made from the record as it is then. 50 containers attaching at once cost a few
 * writes, not 50 in a row, and two writes of a record never race on its temporary file.
 */
export class NetworkStore {
  /** Per record: the write under way (or last), and the next one, not yet started. */
  private readonly writing = new Map<string, Promise<void>>();
  private readonly queued = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  /** Resolves once a write that includes the record's current state is on disk. */
  save(record: NetworkRecord): Promise<void> {
    const queued = this.queued.get(record.id);
    if (queued) return queued;
    const previous = this.writing.get(record.id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => {
        this.queued.delete(record.id);
        return this.write(record);
      });
    this.queued.set(record.id, next);
    const settled = next.catch(() => undefined);
    this.writing.set(record.id, settled);
    void settled.then(() => {
      if (this.writing.get(record.id) === settled) this.writing.delete(record.id);
    });
    return next;
  }

  private async write(record: NetworkRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${record.id}.json`);
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
    await rename(temporary, path);
  }

  /** After the writes under way, so none brings the record back. */
  async remove(id: string): Promise<void> {
    await this.queued.get(id)?.catch(() => undefined);
    await this.writing.get(id);
    await rm(join(this.dir, `${id}.json`), { force: true });
  }

  async loadAll(): Promise<NetworkRecord[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const records = await Promise.all(
      names
        .filter((name) => name.endsWith('.json'))
        .map(async (name) => JSON.parse(await readFile(join(this.dir, name), 'utf8'))),
    );
    return records as NetworkRecord[];
  }
}
