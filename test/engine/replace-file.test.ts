import {
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replaceFile } from '../../src/engine/state/replace-file.js';

describe('replaceFile', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tcompose-replace-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('replaces the content whole and, after the first time, makes no file: the old one is the next spare', () => {
    const path = join(root, 'config.json');
    replaceFile(path, 'first, a longer text');
    replaceFile(path, 'second, longer still than the first');
    const inodes = [statSync(path).ino, statSync(`${path}.spare`).ino].sort();
    replaceFile(path, 'third');
    expect(readFileSync(path, 'utf8')).toBe('third');
    expect([statSync(path).ino, statSync(`${path}.spare`).ino].sort()).toEqual(inodes);
    expect(readdirSync(root).sort()).toEqual(['config.json', 'config.json.spare']);
  });

  it('renames a spare into place when there is no file yet', () => {
    const path = join(root, 'config.json');
    writeFileSync(`${path}.spare`, 'a record of before, longer than the new one');
    const inode = statSync(`${path}.spare`).ino;
    replaceFile(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).ino).toBe(inode);
    expect(readdirSync(root)).toEqual(['config.json']);
  });

  it('replaces what a crash left linked aside', () => {
    const path = join(root, 'config.json');
    writeFileSync(path, 'before the crash');
    linkSync(path, `${path}.old`);
    replaceFile(path, 'after');
    expect(readFileSync(path, 'utf8')).toBe('after');
    expect(readFileSync(`${path}.spare`, 'utf8')).toBe('before the crash');
    expect(readdirSync(root).sort()).toEqual(['config.json', 'config.json.spare']);
  });
});
