import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type NetworkRecord, NetworkStore } from '../../src/network/network-store.js';
import { makeRoot } from './support.js';

const root = await makeRoot('store');

afterAll(() => root.remove());

function record(id: string): NetworkRecord {
  return {
    id,
    name: `net-${id}`,
    driver: 'bridge',
    created: new Date(0).toISOString(),
    labels: {},
    options: {},
    internal: false,
    attachable: false,
    ipam: { subnet: '172.18.0.0/16', gateway: '172.18.0.1' },
    bridge: 'tc-0000000000',
    mtu: 1500,
    endpoints: {},
  };
}

describe('network store', () => {
  it('coalesces concurrent saves of a record: each resolves once its change is on disk', async () => {
    const store = new NetworkStore(root.stateDir);
    const network = record('a'.repeat(64));
    const saves = Array.from({ length: 50 }, (_, index) => {
      network.labels[`l${index}`] = String(index);
      return store.save(network).then(async () => {
        const saved = JSON.parse(await readFile(join(root.stateDir, `${network.id}.json`), 'utf8'));
        return saved.labels[`l${index}`];
      });
    });
    expect(await Promise.all(saves)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(await readdir(root.stateDir)).toEqual([`${network.id}.json`]);
  });

  it('removes a record only after its writes, which never bring it back', async () => {
    const store = new NetworkStore(root.stateDir);
    const network = record('b'.repeat(64));
    const saved = [store.save(network), store.save(network)];
    await store.remove(network.id);
    await Promise.all(saved);
    expect((await store.loadAll()).map((found) => found.id)).not.toContain(network.id);
  });
});
