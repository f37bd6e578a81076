import { describe, expect, it } from 'vitest';
import {
  familiarString,
  idPrefix,
  normalizeReference,
  parseReference,
  shortId,
} from '../../src/engine/images/reference.js';

describe('image reference normalization', () => {
  /** Each reference and its fully qualified form. */
  const normalized: Record<string, string> = {
    busybox: 'docker.io/library/busybox:latest',
    'busybox:latest': 'docker.io/library/busybox:latest',
    'docker.io/library/busybox:latest': 'docker.io/library/busybox:latest',
    'docker.io/busybox': 'docker.io/library/busybox:latest',
    'index.docker.io/library/busybox:1.36': 'docker.io/library/busybox:1.36',
    'library/busybox:musl': 'docker.io/library/busybox:musl',
    'user/app': 'docker.io/user/app:latest',
    'localhost/app:v1': 'localhost/app:v1',
    'localhost:5000/app': 'localhost:5000/app:latest',
    '127.0.0.1:5000/team/app:2.0': '127.0.0.1:5000/team/app:2.0',
    'registry.example.com/a/b/c:x_y.z-1': 'registry.example.com/a/b/c:x_y.z-1',
    'my-registry:5000/app': 'my-registry:5000/app:latest',
    'a__b/c.d-e': 'docker.io/a__b/c.d-e:latest',
  };

  it.each(Object.entries(normalized))('%s → %s', (text, qualified) => {
    expect(normalizeReference(text)).toBe(qualified);
  });

  it('keeps digests and shows familiar names', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(normalizeReference(`busybox@${digest}`)).toBe(`docker.io/library/busybox@${digest}`);
    expect(familiarString(parseReference('docker.io/library/busybox:1'))).toBe('busybox:1');
    expect(familiarString(parseReference('docker.io/user/app:1'))).toBe('user/app:1');
    expect(familiarString(parseReference('localhost:5000/app:1'))).toBe('localhost:5000/app:1');
  });

  it.each([
    ['', 'empty reference'],
    ['Busybox', 'must be lowercase'],
    ['busybox:', 'bad tag'],
    ['busybox:-x', 'bad tag'],
    ['a/../b', 'bad repository name component'],
    ['busybox@sha256:xyz', 'bad digest'],
    ['a'.repeat(64), '64-byte hexadecimal'],
    ['bad host!/app', 'bad'],
    ['-leading/app', 'bad'],
  ])('refuses %j (%s)', (text, why) => {
    expect(() => parseReference(text)).toThrow(why);
    try {
      parseReference(text);
    } catch (error) {
      expect((error as { statusCode: number }).statusCode).toBe(400);
    }
  });

  it('reads ID prefixes and short IDs', () => {
    expect(idPrefix('sha256:abc123')).toBe('abc123');
    expect(idPrefix('3b531c4f')).toBe('3b531c4f');
    expect(idPrefix('busybox')).toBeUndefined();
    expect(shortId(`sha256:${'0123456789ab'.repeat(5)}abcd`)).toBe('0123456789ab');
  });
});
