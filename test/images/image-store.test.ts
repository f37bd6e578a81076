import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/engine/images/image-store.js';
import {
  dockerSaveArchive,
  file,
  imageConfig,
  modeOwnerTime,
  ociArchive,
  overlayMountsUnder,
  sha256Hex,
  streamOf,
  symlink,
  type TestImage,
  tarOf,
} from './archives.js';

const repo = join(import.meta.dirname, '../..');
let workspace: string;
let busyboxArchive: string;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'tcompose-images-'));
  busyboxArchive = join(workspace, 'busybox.tar');
  execFileSync('bash', [join(repo, 'scripts/busybox-image.sh'), busyboxArchive], {
    stdio: 'ignore',
  });
});

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

let root: string;
let store: ImageStore;
const snapshots: string[] = [];

const containerId = () => {
  const id = `test-${randomBytes(6).toString('hex')}`;
  snapshots.push(id);
  return id;
};

beforeEach(async () => {
  root = await mkdtemp(join(workspace, 'root-'));
  store = await ImageStore.open(join(root, 'images'));
});

afterEach(async () => {
  for (const id of snapshots.splice(0)) await store.removeSnapshot(id);
  expect(await overlayMountsUnder(root)).toEqual([]);
  await rm(root, { recursive: true, force: true });
});

const mtime = new Date('2022-02-22T22:22:22Z');

/** Three layers exercising what a real image does: files, links, then deletions and an opaque dir. */
async function layeredImage(tags: string[], gzip: boolean): Promise<TestImage> {
  const base = await tarOf([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/config', content: 'v1' },
    { name: 'etc/remove-me', content: 'gone soon' },
    { name: 'etc/tagged', content: 't', pax: { 'SCHILY.xattr.user.note': 'kept' } },
    { name: 'var/cache/a', content: 'a' },
    { name: 'var/cache/sub/b', content: 'b' },
    { name: 'bin/tool', content: 'tool', mode: 0o755 },
    { name: 'bin/hard', type: 'link', linkname: 'bin/tool' },
    { name: 'bin/sym', type: 'symlink', linkname: 'tool' },
    { name: 'data/x', content: 'x' },
    { name: 'run/fifo', type: 'fifo' },
  ]);
  const change = await tarOf([
    { name: 'etc/.wh.remove-me', content: '' },
    { name: 'etc/config', content: 'v2', mode: 0o600, uid: 1000, gid: 1001, mtime },
    { name: 'var/cache/.wh..wh..opq', content: '' },
    { name: 'var/cache/new', content: 'new' },
    { name: 'newdir/', type: 'directory', mode: 0o711, mtime },
    { name: 'newdir/file', content: 'f' },
  ]);
  const cleanup = await tarOf([{ name: '.wh.data', content: '' }]);
  return { tags, layers: [base, change, cleanup], gzip };
}

async function expectLayeredRoot(rootfs: string): Promise<void> {
  expect(await readFile(join(rootfs, 'etc/config'), 'utf8')).toBe('v2');
  expect(await modeOwnerTime(join(rootfs, 'etc/config'))).toEqual([
    0o600,
    1000,
    1001,
    mtime.getTime(),
  ]);
  expect((await readdir(join(rootfs, 'etc'))).sort()).toEqual(['config', 'tagged']);
  expect(await readdir(join(rootfs, 'var/cache'))).toEqual(['new']);
  await expect(stat(join(rootfs, 'data'))).rejects.toThrow('ENOENT');
  expect((await stat(join(rootfs, 'bin/hard'))).ino).toBe(
    (await stat(join(rootfs, 'bin/tool'))).ino,
  );
  expect(await readlink(join(rootfs, 'bin/sym'))).toBe('tool');
  expect((await lstat(join(rootfs, 'run/fifo'))).isFIFO()).toBe(true);
  const newdir = await stat(join(rootfs, 'newdir'));
  expect([newdir.mode & 0o7777, newdir.mtime.getTime()]).toEqual([0o711, mtime.getTime()]);
  const note = execFileSync('getfattr', [
    '--absolute-names',
    '--only-values',
    '-n',
    'user.note',
    join(rootfs, 'etc/tagged'),
  ]);
  expect(note.toString()).toBe('kept');
}

async function mounted(imageId: string): Promise<{ id: string; rootfs: string }> {
  const id = containerId();
  await store.createSnapshot(id, imageId, `owner-of-${id}`);
  return { id, rootfs: await store.mountSnapshot(id) };
}

const listDir = async (path: string) => (await readdir(path)).sort();

describe('loading archives', () => {
  it('loads the busybox script archive; busybox runs in the mounted snapshot', async () => {
    const loaded = await store.load(createReadStream(busyboxArchive));
    expect(loaded.images).toHaveLength(1);
    const [{ id, tags }] = loaded.images as [{ id: string; tags: string[] }];
    expect(tags).toEqual(['busybox:latest']);
    for (const name of [
      'busybox',
      'busybox:latest',
      'docker.io/library/busybox:latest',
      id,
      id.slice(7, 19),
    ]) {
      expect((await store.get(name))?.id).toBe(id);
    }
    expect(await store.get('busybox:other')).toBeUndefined();
    const image = (await store.get('busybox')) as NonNullable<
      Awaited<ReturnType<ImageStore['get']>>
    >;
    expect(image.config.config?.Cmd).toEqual(['sh']);
    expect(image.repoTags).toEqual(['busybox:latest']);
    expect(image.size).toBeGreaterThan(1_000_000);

    const { id: container, rootfs } = await mounted('busybox');
    const out = execFileSync(
      'chroot',
      [rootfs, '/bin/sh', '-c', 'echo hi > /tmp/x; id -un; ls -ld /tmp'],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/^root\ndrwxrwxrwt/);
    await store.unmountSnapshot(container);
    expect(await overlayMountsUnder(root)).toEqual([]);
    expect(await readFile(join(root, 'images/snapshots', container, 'upper/tmp/x'), 'utf8')).toBe(
      'hi\n',
    );
    // The layer itself is untouched: the write went to the container's upper dir.
    const [layerDir] = await readdir(join(root, 'images/layers'));
    expect(await readdir(join(root, 'images/layers', layerDir as string, 'tmp'))).toEqual([]);
  });

  it('loads a gzip docker-save archive with whiteouts, opaque dirs and links, and mounts it', async () => {
    const image = await layeredImage(['app:1'], true);
    const loaded = await store.load(streamOf(await dockerSaveArchive([image])));
    expect(loaded.images[0]?.tags).toEqual(['app:1']);
    expect((await store.get('app:1'))?.layers).toEqual(
      image.layers.map((l) => `sha256:${sha256Hex(l)}`),
    );
    await expectLayeredRoot((await mounted('app:1')).rootfs);
  });

  it('loads a plain OCI layout archive, recording its name and manifest digest', async () => {
    const image = await layeredImage(['registry.local:5000/team/app:2.0'], false);
    await store.load(streamOf(await ociArchive([image])));
    const record = await store.get('registry.local:5000/team/app:2.0');
    expect(record?.repoTags).toEqual(['registry.local:5000/team/app:2.0']);
    const [digestRef] = record?.repoDigests ?? [];
    expect(digestRef).toMatch(/^registry\.local:5000\/team\/app@sha256:[0-9a-f]{64}$/);
    expect((await store.get(digestRef as string))?.id).toBe(record?.id);
    await expectLayeredRoot((await mounted(record?.id as string)).rootfs);
  });

  it('loads a gzip OCI layout whose index lists several platforms, picking this one', async () => {
    const image = await layeredImage(['app:multi'], true);
    await store.load(streamOf(await ociArchive([image], { multiPlatform: true })));
    await expectLayeredRoot((await mounted('app:multi')).rootfs);
  });

  it('loads a gzip-compressed archive and unpacks shared layers once', async () => {
    const shared = await tarOf([{ name: 'shared', content: 's' }]);
    const a = { tags: ['a:1'], layers: [shared, await tarOf([{ name: 'a', content: 'a' }])] };
    const b = { tags: ['b:1'], layers: [shared, await tarOf([{ name: 'b', content: 'b' }])] };
    await store.load(streamOf(gzipSync(await dockerSaveArchive([a]))));
    await store.load(streamOf(await dockerSaveArchive([b])));
    expect((await store.list()).map((image) => image.repoTags)).toHaveLength(2);
    expect(await readdir(join(root, 'images/layers'))).toHaveLength(3);
  });

  it('mounts an image of 120 layers', async () => {
    const layers: Buffer[] = [];
    for (let i = 0; i < 120; i++)
      layers.push(await tarOf([{ name: `files/f${i}`, content: `${i}` }]));
    layers.push(await tarOf([{ name: 'files/.wh.f0', content: '' }]));
    await store.load(streamOf(await dockerSaveArchive([{ tags: ['tall:1'], layers }])));
    const { rootfs } = await mounted('tall:1');
    const files = await readdir(join(rootfs, 'files'));
    expect(files).toHaveLength(119);
    expect(await readFile(join(rootfs, 'files/f119'), 'utf8')).toBe('119');
  });
});

describe('concurrent changes', () => {
  it('puts the init layer above a container snapshot: its mount points are there, its upper stays empty', async () => {
    await store.load(createReadStream(busyboxArchive));
    const id = containerId();
    await store.createSnapshot(id, 'busybox', 'with-init', { initLayer: true });
    const rootfs = await store.mountSnapshot(id);
    for (const name of ['hostname', 'hosts', 'resolv.conf']) {
      expect((await stat(join(rootfs, 'etc', name))).size).toBe(0);
    }
    expect(await readdir(join(rootfs, 'etc'))).toContain('passwd');
    await store.unmountSnapshot(id);
    expect(await readdir(join(root, 'images/snapshots', id, 'upper'))).toEqual([]);
  });

  it("leaves the init layer out where its /etc would hide the image's (a symlink)", async () => {
    const layer = await tarOf([
      symlink('etc', 'usr/etc'),
      file('usr/etc/passwd', 'root:x:0:0::/:/bin/sh\n'),
    ]);
    await store.load(
      streamOf(await dockerSaveArchive([{ tags: ['linked-etc:1'], layers: [layer] }])),
    );
    const id = containerId();
    await store.createSnapshot(id, 'linked-etc:1', 'with-init', { initLayer: true });
    const rootfs = await store.mountSnapshot(id);
    expect(await readlink(join(rootfs, 'etc'))).toBe('usr/etc');
    await store.unmountSnapshot(id);
  });

  it('serializes loads and snapshots issued together', async () => {
    const archives = await Promise.all(
      [1, 2, 3].map(async (n) =>
        dockerSaveArchive([
          { tags: [`c:${n}`], layers: [await tarOf([{ name: `f${n}`, content: `${n}` }])] },
        ]),
      ),
    );
    await Promise.all([
      ...archives.map((archive) => store.load(streamOf(archive))),
      store.load(createReadStream(busyboxArchive)),
    ]);
    const ids = [containerId(), containerId()];
    await Promise.all(ids.map((id) => store.createSnapshot(id, 'busybox', id)));
    const roots = await Promise.all(ids.map((id) => store.mountSnapshot(id)));
    expect(new Set(roots).size).toBe(2);
    const tags = (await store.list()).flatMap((image) => image.repoTags).sort();
    expect(tags).toEqual(['busybox:latest', 'c:1', 'c:2', 'c:3']);
  });
});

describe('refusing bad archives', () => {
  it('refuses a layer escaping its directory and writes nothing outside the store', async () => {
    const evil = await tarOf([{ name: '../../../escaped', content: 'x' }]);
    const archive = await dockerSaveArchive([{ tags: ['evil:1'], layers: [evil] }]);
    const attempt = store.load(streamOf(archive));
    await expect(attempt).rejects.toThrow(
      `invalid archive: layer ${sha256Hex(evil)}/layer.tar: entry "../../../escaped" escapes the layer`,
    );
    await expect(attempt).rejects.toMatchObject({ statusCode: 400 });
    expect(await listDir(root)).toEqual(['images']);
    expect(await listDir(workspace)).not.toContain('escaped');
    expect(await store.list()).toEqual([]);
  });

  it('refuses layers that do not match the diff IDs their config declares', async () => {
    const layer = await tarOf([{ name: 'f', content: 'real' }]);
    const config = imageConfig({ layers: [await tarOf([{ name: 'f', content: 'claimed' }])] });
    const archive = await tarOf([
      { name: 'l/layer.tar', content: layer },
      { name: 'c.json', content: config },
      {
        name: 'manifest.json',
        content: JSON.stringify([{ Config: 'c.json', Layers: ['l/layer.tar'] }]),
      },
    ]);
    await expect(store.load(streamOf(archive))).rejects.toThrow(
      /invalid archive: layer 1 has diff ID sha256:/,
    );
  });

  it('refuses archives that are neither format, and compressed layers it cannot read', async () => {
    await expect(store.load(streamOf(await tarOf([{ name: 'x', content: '{}' }])))).rejects.toThrow(
      'invalid archive: neither manifest.json (docker save) nor index.json (OCI image layout) found',
    );
    await expect(store.load(streamOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])))).rejects.toThrow(
      'zstd-compressed, which is not supported',
    );
  });
});

describe('names, removal and reference counting', () => {
  it('tags, untags, removes, and keeps shared layers until their last user goes', async () => {
    const shared = await tarOf([{ name: 'shared', content: 's' }]);
    const onlyA = await tarOf([{ name: 'a', content: 'a' }]);
    const onlyB = await tarOf([{ name: 'b', content: 'b' }]);
    await store.load(
      streamOf(
        await dockerSaveArchive([
          { tags: ['app:1'], layers: [shared, onlyA] },
          { tags: ['app:2'], layers: [shared, onlyB] },
        ]),
      ),
    );
    const a = (await store.get('app:1'))?.id as string;
    const b = (await store.get('app:2'))?.id as string;
    await store.tag('app:1', 'other');
    expect((await store.get('docker.io/library/other:latest'))?.id).toBe(a);
    expect((await store.get(a))?.repoTags).toEqual(['app:1', 'other:latest']);
    await expect(store.tag('nope', 'x')).rejects.toMatchObject({
      statusCode: 404,
      message: 'No such image: nope',
    });

    expect(await store.remove('app:1')).toEqual([{ Untagged: 'app:1' }]);
    expect(await store.remove('other')).toEqual([
      { Untagged: 'other:latest' },
      { Deleted: a },
      { Deleted: `sha256:${sha256Hex(onlyA)}` },
    ]);
    expect(await readdir(join(root, 'images/layers'))).toHaveLength(2);
    expect(await store.remove(b.slice(7, 15))).toEqual([
      { Untagged: 'app:2' },
      { Deleted: b },
      { Deleted: `sha256:${sha256Hex(shared)}` },
      { Deleted: `sha256:${sha256Hex(onlyB)}` },
    ]);
    expect(await readdir(join(root, 'images/layers'))).toEqual([]);
    expect(await readdir(join(root, 'images/blobs/sha256'))).toEqual([]);
    await expect(store.remove('app:2')).rejects.toMatchObject({
      statusCode: 404,
      message: 'No such image: app:2',
    });
  });

  it('refuses to remove an image a container uses, naming the container', async () => {
    const { id } = (await store.load(createReadStream(busyboxArchive))).images[0] as { id: string };
    const short = id.slice(7, 19);
    const container = containerId();
    await store.createSnapshot(container, 'busybox', 'quickstart-web-1');
    expect(store.snapshotUsers(id)).toEqual(['quickstart-web-1']);
    await expect(store.remove('busybox')).rejects.toMatchObject({
      statusCode: 409,
      message: `conflict: unable to remove repository reference "busybox" (must force) - container quickstart-web-1 is using its referenced image ${short}`,
    });
    await expect(store.remove(id)).rejects.toThrow(
      `conflict: unable to delete ${short} (must be forced) - image is being used by stopped container quickstart-web-1`,
    );
    await expect(store.prune({ all: true })).resolves.toEqual({ deleted: [], spaceReclaimed: 0 });

    await store.mountSnapshot(container);
    // Forced while the container runs: untagged only, as Docker does.
    expect(await store.remove('busybox', { force: true })).toEqual([
      { Untagged: 'busybox:latest' },
    ]);
    expect((await store.get(id))?.repoTags).toEqual([]);
    await expect(store.remove(id, { force: true })).rejects.toThrow(
      '(cannot be forced) - image is being used by running container quickstart-web-1',
    );
    await store.unmountSnapshot(container);
    expect(await store.remove(id, { force: true })).toEqual([{ Deleted: id }]);
    // The snapshot still holds its layer: it mounts, and the layer goes with the snapshot.
    const rootfs = await store.mountSnapshot(container);
    expect((await stat(join(rootfs, 'bin/busybox'))).isFile()).toBe(true);
    await store.removeSnapshot(container);
    expect(await readdir(join(root, 'images/layers'))).toEqual([]);
    expect(await readdir(join(root, 'images/snapshots'))).toEqual([]);
  });

  it('prunes dangling images, or every unused one with all', async () => {
    const layer = (name: string) => tarOf([{ name, content: name }]);
    await store.load(
      streamOf(await dockerSaveArchive([{ tags: [], layers: [await layer('dangling')] }])),
    );
    await store.load(
      streamOf(await dockerSaveArchive([{ tags: ['kept:1'], layers: [await layer('kept')] }])),
    );
    await store.load(
      streamOf(await dockerSaveArchive([{ tags: ['used:1'], layers: [await layer('used')] }])),
    );
    await store.createSnapshot(containerId(), 'used:1', 'user');
    const dangling = (await store.list()).find((image) => image.repoTags.length === 0);
    const kept = (await store.get('kept:1'))?.id;
    expect(await store.prune()).toEqual({
      deleted: [dangling?.id],
      spaceReclaimed: 'dangling'.length,
    });
    expect(await store.prune({ all: true })).toEqual({
      deleted: [kept],
      spaceReclaimed: 'kept'.length,
    });
    expect((await store.list()).map((image) => image.repoTags)).toEqual([['used:1']]);
  });
});

describe('import and save', () => {
  it('imports a root filesystem tarball with --change instructions', async () => {
    const rootfs = gzipSync(
      await tarOf([{ name: 'bin/app', content: '#!/bin/sh\n', mode: 0o755 }]),
    );
    const record = await store.importRootfs(streamOf(rootfs), {
      reference: 'imported:v1',
      changes: [
        'CMD ["/bin/app", "--serve"]',
        'ENV MODE=prod',
        'WORKDIR /srv',
        'USER nobody',
        'EXPOSE 8080',
        'LABEL team=core',
      ],
      message: 'from a test',
    });
    expect(record.repoTags).toEqual(['imported:v1']);
    expect(record.layers).toHaveLength(1);
    expect(record.config.config).toEqual({
      Cmd: ['/bin/app', '--serve'],
      Env: ['MODE=prod'],
      WorkingDir: '/srv',
      User: 'nobody',
      ExposedPorts: { '8080/tcp': {} },
      Labels: { team: 'core' },
    });
    expect(record.config.history?.[0]?.comment).toBe('from a test');
    await expect(
      store.importRootfs(streamOf(rootfs), { changes: ['RUN x'] }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
    expect(await store.list()).toHaveLength(1);
  });

  it('saves a docker-save archive that loads back to the same image', async () => {
    await store.load(
      streamOf(await dockerSaveArchive([await layeredImage(['app:1', 'app:2'], true)])),
    );
    const original = (await store.get('app:1')) as NonNullable<
      Awaited<ReturnType<ImageStore['get']>>
    >;
    const saved = join(root, 'saved.tar');
    await store.save(['app'], createWriteStream(saved));
    const listing = execFileSync('tar', ['-tf', saved], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('manifest.json');
    expect(listing).toContain('repositories');
    expect(listing).toContain(`${original.id.slice(7)}.json`);
    const manifest = JSON.parse(
      execFileSync('tar', ['-xOf', saved, 'manifest.json'], { encoding: 'utf8' }),
    );
    expect(manifest[0].RepoTags.sort()).toEqual(['app:1', 'app:2']);
    expect(manifest[0].Layers).toHaveLength(3);

    const other = await ImageStore.open(join(root, 'other'));
    const loaded = await other.load(createReadStream(saved));
    expect(loaded.images).toEqual([{ id: original.id, tags: ['app:1', 'app:2'] }]);
    expect((await other.get('app:2'))?.layers).toEqual(original.layers);

    await store.save([original.id], createWriteStream(saved));
    const byId = JSON.parse(
      execFileSync('tar', ['-xOf', saved, 'manifest.json'], { encoding: 'utf8' }),
    );
    expect(byId[0].RepoTags).toBeNull();
    await expect(store.save(['missing'], createWriteStream(saved))).rejects.toThrow(
      'No such image: missing',
    );
  });
});

const podmanAvailable = spawnSync('podman', ['--version']).status === 0;

describe.skipIf(!podmanAvailable)('interoperability', () => {
  it('writes archives podman load accepts, with the same image ID and tags', async () => {
    await store.load(createReadStream(busyboxArchive));
    await store.tag('busybox', '127.0.0.1:5000/team/bb:v2');
    const id = (await store.get('busybox'))?.id as string;
    const saved = join(root, 'saved.tar');
    await store.save(['busybox', '127.0.0.1:5000/team/bb:v2'], createWriteStream(saved));
    const podman = ['--root', join(root, 'podman/root'), '--runroot', join(root, 'podman/run')];
    const options = {
      encoding: 'utf8' as const,
      stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
    };
    try {
      execFileSync(
        'podman',
        [...podman, '--storage-driver', 'vfs', 'load', '-q', '-i', saved],
        options,
      );
      const images = execFileSync(
        'podman',
        [
          ...podman,
          '--storage-driver',
          'vfs',
          'images',
          '--no-trunc',
          '--format',
          '{{.ID}} {{.Repository}}:{{.Tag}}',
        ],
        options,
      );
      expect(images.trim().split('\n').sort()).toEqual([
        `${id} 127.0.0.1:5000/team/bb:v2`,
        `${id} localhost/busybox:latest`,
      ]);
    } finally {
      spawnSync('podman', [...podman, '--storage-driver', 'vfs', 'system', 'reset', '-f'], {
        stdio: 'ignore',
      });
    }
  });
});

describe('crash safety', () => {
  it('keeps the old state when a load fails midway, with nothing left staged', async () => {
    await store.load(createReadStream(busyboxArchive));
    const before = await store.list();
    const layersBefore = await listDir(join(root, 'images/layers'));
    const good = { tags: ['good:1'], layers: [await tarOf([{ name: 'ok', content: 'ok' }])] };
    const bad = { tags: ['bad:1'], layers: [await tarOf([{ name: '/abs', content: 'x' }])] };
    await expect(store.load(streamOf(await dockerSaveArchive([good, bad])))).rejects.toThrow(
      'is an absolute path',
    );
    expect(await store.list()).toEqual(before);
    expect(await readdir(join(root, 'images/tmp'))).toEqual([]);
    expect(await listDir(join(root, 'images/layers'))).toEqual(layersBefore);
    expect(await readdir(join(root, 'images/blobs/sha256'))).toHaveLength(2);
  });

  it('recovers the old state after a loading process is killed', async () => {
    await store.load(createReadStream(busyboxArchive));
    const before = await store.list();
    const big = Array.from({ length: 8 }, (_, i) =>
      randomBytes(4 * 1024 * 1024)
        .toString('base64')
        .slice(0, 5e6 + i),
    );
    const layers = await Promise.all(
      big.map((content, i) => tarOf([{ name: `blob${i}`, content }])),
    );
    const archive = join(root, 'big.tar');
    await writeFile(archive, await dockerSaveArchive([{ tags: ['big:1'], layers }]));
    const script = `import { ImageStore } from ${JSON.stringify(join(repo, 'dist/engine/images/image-store.js'))};
      import { createReadStream } from 'node:fs';
      const store = await ImageStore.open(process.argv[1]);
      await store.load(createReadStream(process.argv[2]));`;
    const child = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      script,
      join(root, 'images'),
      archive,
    ]);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_, signal) => resolve(signal)),
    );
    // Kill it halfway: once the fourth of its eight layers is being staged.
    const staging = join(root, 'images/tmp');
    const halfway = async () => {
      for (const name of await readdir(staging)) {
        if ((await readdir(join(staging, name)).catch(() => [] as string[])).includes('layer-3'))
          return true;
      }
      return false;
    };
    for (let i = 0; i < 3000 && !(await halfway()); i++) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const reopened = await ImageStore.open(join(root, 'images'));
    expect(await reopened.list()).toEqual(before);
    expect(await readdir(join(root, 'images/tmp'))).toEqual([]);
    expect(await readdir(join(root, 'images/layers'))).toHaveLength(1);
  });

  it('finds at open the snapshot mounts an earlier process left, and undoes them', async () => {
    const { id: image } = (await store.load(createReadStream(busyboxArchive))).images[0] as {
      id: string;
    };
    const { id, rootfs } = await mounted(image);
    store = await ImageStore.open(join(root, 'images'));
    expect(await overlayMountsUnder(root)).toEqual([rootfs]);
    await expect(store.remove(image, { force: true })).rejects.toThrow('running container');
    await store.removeSnapshot(id);
    expect(await overlayMountsUnder(root)).toEqual([]);
    await store.createSnapshot(id, image, 'again');
    expect(await store.mountSnapshot(id)).toBe(rootfs);
    await store.unmountSnapshot(id);
    expect(await overlayMountsUnder(root)).toEqual([]);
    // A directory a failed create left (with no entry) makes way for a new one.
    const debris = containerId();
    await mkdir(join(root, 'images/snapshots', debris, 'upper/stale'), { recursive: true });
    await store.createSnapshot(debris, image, 'new');
    expect(await readdir(store.snapshotChanges(debris))).toEqual([]);
  });

  it('keeps each snapshot entry in its directory, and moves there those an older index holds', async () => {
    await store.load(createReadStream(busyboxArchive));
    const kept = containerId();
    const legacy = containerId();
    await store.createSnapshot(kept, 'busybox', 'kept');
    await store.createSnapshot(legacy, 'busybox', 'legacy');
    const images = join(root, 'images');
    const index = JSON.parse(await readFile(join(images, 'index.json'), 'utf8'));
    expect(index.snapshots).toBeUndefined();
    const legacyFile = join(images, 'snapshots', legacy, 'snapshot.json');
    index.snapshots = { [legacy]: JSON.parse(await readFile(legacyFile, 'utf8')) };
    await rm(legacyFile);
    await writeFile(join(images, 'index.json'), JSON.stringify(index));
    store = await ImageStore.open(images);
    const image = await store.get('busybox');
    expect(store.snapshotUsers(image?.id ?? '').sort()).toEqual(['kept', 'legacy']);
    expect(JSON.parse(await readFile(legacyFile, 'utf8'))).toMatchObject({ owner: 'legacy' });
    expect(
      JSON.parse(await readFile(join(images, 'index.json'), 'utf8')).snapshots,
    ).toBeUndefined();
  });

  it('collects debris an interrupted change left behind when the store opens', async () => {
    await store.load(createReadStream(busyboxArchive));
    const images = join(root, 'images');
    await mkdir(join(images, 'layers/zz/etc'), { recursive: true });
    await writeFile(join(images, 'blobs/sha256', 'f'.repeat(64)), 'orphan');
    await mkdir(join(images, 'tmp/999999999-dead/layer-0'), { recursive: true });
    await mkdir(join(images, 'snapshots/ghost/upper'), { recursive: true });
    await writeFile(join(images, 'index.json.tmp-1-abcd'), '{"half":');
    const reopened = await ImageStore.open(images);
    expect(await reopened.list()).toHaveLength(1);
    expect(await readdir(join(images, 'layers'))).toHaveLength(1);
    expect(await readdir(join(images, 'blobs/sha256'))).toHaveLength(2);
    expect(await readdir(join(images, 'tmp'))).toEqual([]);
    expect(await readdir(join(images, 'snapshots'))).toEqual([]);
    expect(await listDir(images)).toEqual([
      'blobs',
      'empty',
      'index.json',
      'init',
      'layers',
      'snapshots',
      'tmp',
      'trash',
    ]);
  });
});
