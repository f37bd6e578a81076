import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveScoped } from '../../src/engine/build/scoped-path.js';

const root = mkdtempSync(join(tmpdir(), 'scoped-'));
mkdirSync(join(root, 'real/sub'), { recursive: true });
symlinkSync('/etc', join(root, 'etc-link'));
symlinkSync('../../..', join(root, 'real/sub/up'));
symlinkSync('real', join(root, 'relative'));
symlinkSync('loop-b', join(root, 'loop-a'));
symlinkSync('loop-a', join(root, 'loop-b'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveScoped', () => {
  it('follows links as if the root were /', async () => {
    expect(await resolveScoped(root, '/etc-link/passwd')).toBe(join(root, 'etc/passwd'));
    expect(await resolveScoped(root, 'relative/sub')).toBe(join(root, 'real/sub'));
    expect(await resolveScoped(root, '/real/sub/up/x')).toBe(join(root, 'x'));
    expect(await resolveScoped(root, '../../outside')).toBe(join(root, 'outside'));
  });

  it('keeps the last link when asked, and refuses loops', async () => {
    expect(await resolveScoped(root, '/etc-link', false)).toBe(join(root, 'etc-link'));
    await expect(resolveScoped(root, '/loop-a/x')).rejects.toThrow('too many levels');
  });
});
