import { describe, expect, it } from 'vitest';
import { overlayOptions } from '../../src/engine/images/snapshots.js';

describe('overlay mount options', () => {
  const mount = (layers: number) => ({
    layersDirectory: '/var/lib/tcompose/images/layers',
    lowerDirs: Array.from({ length: layers }, (_, i) => i.toString(36)),
    upperDir: '../snapshots/0123456789abcdef/upper',
    workDir: '../snapshots/0123456789abcdef/work',
    target: '/var/lib/tcompose/images/snapshots/0123456789abcdef/merged',
  });

  it('names lower dirs relatively, top first, so hundreds of layers fit one page', () => {
    const options = overlayOptions(mount(3));
    expect(options).toBe(
      'lowerdir=0:1:2,upperdir=../snapshots/0123456789abcdef/upper,workdir=../snapshots/0123456789abcdef/work',
    );
    expect(overlayOptions(mount(500)).length).toBeLessThan(4096);
  });

  it('refuses options that would not fit, and names overlay cannot parse', () => {
    expect(() => overlayOptions({ ...mount(1), lowerDirs: ['x'.repeat(4100)] })).toThrow(
      'overlay options for 1 layers exceed one page',
    );
    expect(() => overlayOptions({ ...mount(1), lowerDirs: ['a:b'] })).toThrow('cannot be mounted');
  });
});
