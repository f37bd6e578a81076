import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Trash } from '../../src/engine/state/trash.js';

describe('Trash', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tcompose-trash-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function tree(path: string): void {
    mkdirSync(join(path, 'a/b'), { recursive: true });
    writeFileSync(join(path, 'a/b/file'), 'data');
  }

  it('takes a directory out of sight at once and deletes it by the time it settles', async () => {
    const trash = await Trash.open(join(root, 'trash'));
    tree(join(root, 'object'));
    await trash.discard(join(root, 'object'));
    expect(existsSync(join(root, 'object'))).toBe(false);
    await trash.settle();
    expect(readdirSync(join(root, 'trash'))).toEqual([]);
  });

  it('accepts a path that is already gone', async () => {
    const trash = await Trash.open(join(root, 'trash'));
    await expect(trash.discard(join(root, 'missing'))).resolves.toBeUndefined();
  });

  it('deletes at open what a crash left in it', async () => {
    tree(join(root, 'trash', 'left-by-a-crash'));
    await Trash.open(join(root, 'trash'));
    expect(readdirSync(join(root, 'trash'))).toEqual([]);
  });
});
