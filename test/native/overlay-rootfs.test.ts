import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, Sandbox, waitFor } from './harness.js';

const sandbox = new Sandbox();
afterAll(() => sandbox.cleanup());

/**
 * A bundle whose rootfs is an overlay tcrun mounts itself: the busybox rootfs the harness
 * makes becomes the lower layer, named relatively from the layers directory.
 */
function overlayBundle(label: string, args: string[]) {
  const { id, cgroupsPath } = sandbox.name(label);
  const layers = sandbox.path(`${id}-layers`);
  const snapshot = join(layers, '..', `${id}-snapshot`);
  const bundle = sandbox.bundle(id, {
    cgroupsPath,
    args,
    readonlyRoot: false,
    edit: (config) => {
      config.root.path = join(snapshot, 'merged');
      config.annotations = {
        'org.tcompose.rootfs.overlay': `lowerdir=busybox,upperdir=../${id}-snapshot/upper,workdir=../${id}-snapshot/work`,
        'org.tcompose.rootfs.overlay.dir': layers,
      };
    },
  });
  mkdirSync(layers);
  renameSync(join(bundle, 'rootfs'), join(layers, 'busybox'));
  for (const part of ['upper', 'work', 'merged'])
    mkdirSync(join(snapshot, part), { recursive: true });
  writeFileSync(join(layers, 'busybox', 'layer.txt'), 'from the lower layer\n');
  return { id, bundle, snapshot };
}

const hostMounts = () => readFileSync('/proc/self/mountinfo', 'utf8');

describe('overlay rootfs (annotation org.tcompose.rootfs.overlay)', () => {
  it('mounts the layers in the container only, writes go to the upper dir, nothing stays mounted', async () => {
    const { id, bundle, snapshot } = overlayBundle('overlay', [
      'sh',
      '-c',
      'cat /layer.txt; echo written > /new.txt; exec sleep 1000',
    ]);
    const log = sandbox.path(`${id}.log`);
    const exitFile = sandbox.path(`${id}.exit`);
    const created = sandbox.tcrun([
      'run',
      '--detach',
      '--bundle',
      bundle,
      '--log-path',
      log,
      '--exit-file',
      exitFile,
      id,
    ]);
    expect(created.stderr).toBe('');
    const { pid } = sandbox.state(id);
    await waitFor(() => readFileSync(log, 'utf8').includes('from the lower layer'));
    // The rootfs exists in the container's mount namespace, not on the host.
    expect(hostMounts().includes(join(snapshot, 'merged'))).toBe(false);
    expect(readFileSync(`/proc/${pid}/root/layer.txt`, 'utf8')).toBe('from the lower layer\n');
    const written = join(snapshot, 'upper', 'new.txt');
    await waitFor(() => existsSync(written) && readFileSync(written, 'utf8') === 'written\n');
    expect(sandbox.tcrun(['delete', '--force', id]).code).toBe(0);
    expectNoLeaks(sandbox, id, [pid]);
    expect(hostMounts().includes(snapshot)).toBe(false);
  });

  it('refuses a relative overlay directory with a clear error and leaves nothing behind', () => {
    const { id, bundle } = overlayBundle('relative', ['true']);
    const configPath = join(bundle, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    config.annotations['org.tcompose.rootfs.overlay.dir'] = 'layers';
    writeFileSync(configPath, JSON.stringify(config));
    const result = sandbox.tcrun(['run', '--bundle', bundle, id]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('org.tcompose.rootfs.overlay.dir');
    expectNoLeaks(sandbox, id);
  });
});
