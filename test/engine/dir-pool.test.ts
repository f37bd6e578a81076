import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Trash } from '../../src/engine/state/trash.js';

describe('DirectoryPool', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tcompose-pool-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A removed snapshot: its entry, changes and overlay's work dir with its own work dir. */
  function snapshot(path: string): void {
    mkdirSync(join(path, 'upper/etc'), { recursive: true });
    mkdirSync(join(path, 'work/work'), { recursive: true });
    writeFileSync(join(path, 'snapshot.json'), '{}');
    writeFileSync(join(path, 'upper/etc/changed'), 'data');
  }

  it('hands a removed directory, emptied but for its kept subdirectories (emptied too), to the next take', async () => {
    const trash = await Trash.open(join(root, 'trash'));
    const pool = trash.pool('snapshots', ['work']);
    snapshot(join(root, 'old'));
    const inode = statSync(join(root, 'old')).ino;
    await pool.give(join(root, 'old'));
    expect(existsSync(join(root, 'old'))).toBe(false);
    await nextTurn();
    pool.take(join(root, 'new'));
    expect(statSync(join(root, 'new')).ino).toBe(inode);
    expect(readdirSync(join(root, 'new'))).toEqual(['work']);
    expect(readdirSync(join(root, 'new/work'))).toEqual([]);
    await trash.settle();
  });

  it('makes the directory while no emptied one is ready', async () => {
    const trash = await Trash.open(join(root, 'trash'));
    const pool = trash.pool('run');
    mkdirSync(join(root, 'old'));
    writeFileSync(join(root, 'old/exit'), '0');
    await pool.give(join(root, 'old'));
    // Given but not emptied yet: never handed out.
    pool.take(join(root, 'new'));
    expect(readdirSync(join(root, 'new'))).toEqual([]);
    await nextTurn();
    await trash.settle();
  });

  it('hands out an entry missing a kept name (its next user makes it), and accepts a path that is gone', async () => {
    const trash = await Trash.open(join(root, 'trash'));
    const pool = trash.pool('snapshots', ['work']);
    mkdirSync(join(root, 'old'));
    await pool.give(join(root, 'old'));
    await expect(pool.give(join(root, 'missing'))).resolves.toBeUndefined();
    await nextTurn();
    pool.take(join(root, 'new'));
    expect(readdirSync(join(root, 'new'))).toEqual([]);
    await trash.settle();
    expect(readdirSync(join(root, 'trash/pool-snapshots'))).toEqual([]);
  });

  it("keeps a record's last content as its spare, for the next user to write over", async () => {
    const trash = await Trash.open(join(root, 'trash'));
    const pool = trash.pool('containers', ['config.json.spare']);
    mkdirSync(join(root, 'old'));
    writeFileSync(join(root, 'old/config.json'), '{}');
    writeFileSync(join(root, 'old/config.json.spare'), '{"old":1}');
    await pool.give(join(root, 'old'));
    await nextTurn();
    pool.take(join(root, 'new'));
    expect(readdirSync(join(root, 'new'))).toEqual(['config.json.spare']);
    expect(readFileSync(join(root, 'new/config.json.spare'), 'utf8')).toBe('{}');
    await trash.settle();
  });

  it('is emptied with the trash at open, so a crash never leaves a half-emptied entry to hand out', async () => {
    const trash = await Trash.open(join(root, 'trash'));
    const pool = trash.pool('containers');
    mkdirSync(join(root, 'old'));
    writeFileSync(join(root, 'old/config.json'), '{}');
    await pool.give(join(root, 'old'));
    const reopened = await Trash.open(join(root, 'trash'));
    expect(readdirSync(join(root, 'trash'))).toEqual([]);
    reopened.pool('containers').take(join(root, 'new'));
    expect(readdirSync(join(root, 'new'))).toEqual([]);
  });
});
