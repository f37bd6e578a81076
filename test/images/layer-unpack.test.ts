import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpackLayer } from '../../src/engine/images/layer-unpack.js';
import {
  file,
  hardLink,
  modeOwnerTime,
  symlink,
  type TarEntry,
  tarOf,
  whiteout,
} from './archives.js';

let base: string;
let layer: string;
let outside: string;

beforeEach(async () => {
  base = mkdtempSync(join(tmpdir(), 'tcompose-unpack-'));
  layer = join(base, 'layer');
  outside = join(base, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'keep'), 'original');
});

afterEach(() => rmSync(base, { recursive: true, force: true }));

async function* chunksOf(bytes: Buffer, size = 1000) {
  for (let offset = 0; offset < bytes.length; offset += size)
    yield bytes.subarray(offset, offset + size);
}

const unpack = async (entries: TarEntry[]) =>
  unpackLayer(chunksOf(await tarOf(entries)), layer, 'sha256:test');

const xattr = (path: string, name: string) =>
  execFileSync('getfattr', ['-h', '--absolute-names', '--only-values', '-n', name, path], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

const mtime = new Date('2021-06-07T08:09:10Z');

describe('layer extraction', () => {
  it('keeps files, directories, links, special files, owners, modes, mtimes and xattrs', async () => {
    const { size } = await unpack([
      { name: './', type: 'directory', mode: 0o755 },
      { name: './etc/', type: 'directory', mode: 0o750, uid: 0, gid: 4, mtime },
      { name: './etc/app.conf', content: 'key=value\n', mode: 0o640, uid: 1000, gid: 1001, mtime },
      { name: 'implicit/parent/file', content: 'x' },
      { name: 'bin/tool', content: 'binary', mode: 0o4755, uid: 0, gid: 0 },
      { name: 'bin/alias', type: 'link', linkname: 'bin/tool' },
      { name: 'bin/sym', type: 'symlink', linkname: '../etc/app.conf', uid: 33, gid: 33, mtime },
      { name: 'bin/abs', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'run/pipe', type: 'fifo', mode: 0o620, uid: 7, gid: 8, mtime },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loop9', type: 'block-device', devmajor: 7, devminor: 9, mode: 0o660 },
      { name: 'data/tagged', content: 'x', pax: { 'SCHILY.xattr.user.origin': 'test suite' } },
      { name: 'data/forged', content: 'x', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
      {
        name: 'data/binary',
        content: 'x',
        pax: {
          'LIBARCHIVE.xattr.user.raw%20bytes': Buffer.from([0, 1, 254, 255]).toString('base64'),
          'SCHILY.xattr.user.mangled': 'not \uFFFD utf-8', // U+FFFD itself, as UTF-8 bytes
        },
      },
    ]);
    expect(size).toBe('key=value\n'.length + 1 + 'binary'.length + 3);

    expect(await modeOwnerTime(join(layer, 'etc/app.conf'))).toEqual([
      0o640,
      1000,
      1001,
      mtime.getTime(),
    ]);
    expect(await readFile(join(layer, 'etc/app.conf'), 'utf8')).toBe('key=value\n');
    const etc = await stat(join(layer, 'etc'));
    expect([etc.mode & 0o7777, etc.gid, etc.mtime.getTime()]).toEqual([0o750, 4, mtime.getTime()]);
    expect((await stat(join(layer, 'implicit/parent'))).isDirectory()).toBe(true);
    expect((await stat(join(layer, 'bin/tool'))).mode & 0o7777).toBe(0o4755);
    expect((await stat(join(layer, 'bin/alias'))).ino).toBe(
      (await stat(join(layer, 'bin/tool'))).ino,
    );
    const sym = await lstat(join(layer, 'bin/sym'));
    expect([sym.isSymbolicLink(), sym.uid, sym.mtime.getTime()]).toEqual([
      true,
      33,
      mtime.getTime(),
    ]);
    expect(await readlink(join(layer, 'bin/abs'))).toBe('/etc/passwd');
    const pipe = await lstat(join(layer, 'run/pipe'));
    expect([pipe.isFIFO(), pipe.mode & 0o7777, pipe.uid, pipe.gid]).toEqual([true, 0o620, 7, 8]);
    const devnull = await lstat(join(layer, 'dev/null'));
    expect([devnull.isCharacterDevice(), devnull.rdev, devnull.mode & 0o7777]).toEqual([
      true,
      0x103,
      0o666,
    ]);
    expect((await lstat(join(layer, 'dev/loop9'))).isBlockDevice()).toBe(true);
    expect(xattr(join(layer, 'data/tagged'), 'user.origin')).toBe('test suite');
    expect(() => xattr(join(layer, 'data/forged'), 'trusted.overlay.opaque')).toThrow();
    const raw = execFileSync('getfattr', [
      '--absolute-names',
      '-e',
      'hex',
      '-d',
      join(layer, 'data/binary'),
    ]);
    expect(raw.toString()).toContain('user.raw bytes=0x0001feff');
    expect(raw.toString()).toContain('user.mangled=0x6e6f7420efbfbd207574662d38');
  });

  it('keeps binary xattr values GNU tar writes, across long names and directories', async () => {
    const source = join(base, 'source');
    const long = `${'deep/'.repeat(30)}file`;
    await mkdir(join(source, long, '..'), { recursive: true });
    for (const file of ['a', long, 'z']) await writeFile(join(source, file), file);
    execFileSync('setfattr', ['-n', 'user.bin', '-v', '0x00ff80fe0a', join(source, 'a')]);
    execFileSync('setfattr', ['-n', 'user.bin', '-v', '0xc3', join(source, long)]);
    execFileSync('setfattr', ['-n', 'user.text', '-v', 'plain', join(source, 'z')]);
    const tar = execFileSync('tar', [
      '--xattrs',
      '--xattrs-include=user.*',
      '-C',
      source,
      '-cf',
      '-',
      '.',
    ]);
    await unpackLayer(chunksOf(tar, 777), layer, 'gnu');
    const hex = (file: string) =>
      execFileSync('getfattr', ['--absolute-names', '-e', 'hex', '-d', join(layer, file)], {
        encoding: 'utf8',
      });
    expect(hex('a')).toContain('user.bin=0x00ff80fe0a');
    expect(hex(long)).toContain('user.bin=0xc3');
    expect(hex('z')).toContain('user.text=0x706c61696e');
  });

  it('turns whiteouts into 0/0 character devices and opaque markers into the overlay xattr', async () => {
    await unpack([
      whiteout('etc/removed'),
      whiteout('var/cache/.wh..opq'),
      file('var/cache/fresh', 'new'),
      whiteout('same/kept'),
      file('same/kept', 'this layer wins'),
      file('same/other', 'entry first'),
      whiteout('same/other'),
      { name: '.wh..wh.plnk', type: 'directory' },
    ]);
    const removed = await lstat(join(layer, 'etc/removed'));
    expect([removed.isCharacterDevice(), removed.rdev]).toEqual([true, 0]);
    expect(xattr(join(layer, 'var/cache'), 'trusted.overlay.opaque')).toBe('y');
    expect(await readFile(join(layer, 'same/kept'), 'utf8')).toBe('this layer wins');
    expect(await readFile(join(layer, 'same/other'), 'utf8')).toBe('entry first');
    expect((await readdir(layer)).sort()).toEqual(['etc', 'same', 'var']);
  });

  it('lets a later entry replace an earlier one of another kind', async () => {
    const fifo: TarEntry = { name: 'node', type: 'fifo' };
    await unpack([file('x/y/z', 'deep'), file('x', 'now a file'), fifo, file('node', 'file wins')]);
    expect(await readFile(join(layer, 'x'), 'utf8')).toBe('now a file');
    expect(await readFile(join(layer, 'node'), 'utf8')).toBe('file wins');
  });
});

/** A one-entry tar whose size field is rewritten in base-256 to an absurd value. */
async function hugeSizeTar(): Promise<Buffer> {
  const tar = await tarOf([{ name: 'big', content: 'x' }]);
  tar[124] = 0x80;
  tar.fill(0xff, 125, 136);
  tar.fill(0x20, 148, 156);
  const checksum = tar.subarray(0, 512).reduce((sum, byte) => sum + byte, 0);
  tar.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return tar;
}

describe('hostile layers', () => {
  /** Each layer's attempt and the refusal it meets; `/OUTSIDE` is the directory beside the layer. */
  const hostile: [string, TarEntry[], string][] = [
    ['a ../ path', [file('../outside/evil')], 'entry "../outside/evil" escapes the layer'],
    ['a ../ path inside', [file('a/../../outside/evil')], 'escapes the layer'],
    ['an absolute path', [file('/etc/evil')], 'entry "/etc/evil" is an absolute path'],
    ['a write through a symlink out', [symlink('l', '/OUTSIDE'), file('l/x')], 'parent "l" is a'],
    ['a write through a relative link', [symlink('d/l', '../../o'), file('d/l/k')], '"d/l" is a'],
    [
      'a symlink replacing a directory, then a write below it',
      [{ name: 'd/', type: 'directory' }, file('d/a'), symlink('d', '/OUTSIDE'), file('d/b')],
      'parent "d" is a symlink',
    ],
    ['a hard link out of the layer', [hardLink('h', '../outside/keep')], 'escapes the layer'],
    ['a hard link to an absolute path', [hardLink('h', '/OUTSIDE/keep')], 'is an absolute path'],
    [
      'a hard link via a symlink',
      [symlink('l', '/OUTSIDE'), hardLink('h', 'l/keep')],
      'not in the',
    ],
    ['a whiteout via a symlink', [symlink('l', '/OUTSIDE'), file('l/.wh.keep')], 'parent "l" is a'],
    [
      'an oversized PAX header',
      [{ name: 'f', content: 'x', pax: { comment: 'x'.repeat(5 * 1024 * 1024) } }],
      'a tar header exceeds the maximum size',
    ],
  ];

  it.each(hostile)(
    'refuses %s, writing nothing outside and leaving no layer directory',
    async (_, entries, why) => {
      const resolved = entries.map((entry) => ({
        ...entry,
        linkname: entry.linkname?.replace('/OUTSIDE', outside),
      }));
      const attempt = unpack(resolved);
      await expect(attempt).rejects.toThrow(/^invalid archive: layer sha256:test: /);
      await expect(attempt).rejects.toThrow(why);
      await expect(attempt).rejects.toMatchObject({ statusCode: 400 });
      expect(await readdir(base)).toEqual(['outside']);
      expect(await readdir(outside)).toEqual(['keep']);
      expect(await readFile(join(outside, 'keep'), 'utf8')).toBe('original');
    },
  );

  it('refuses an absurd size field', async () => {
    const attempt = unpackLayer(chunksOf(await hugeSizeTar()), layer, 'sha256:test');
    await expect(attempt).rejects.toThrow(/invalid archive: layer sha256:test: .*(size|Invalid)/);
    expect(await readdir(base)).toEqual(['outside']);
  });

  it('refuses data that is not a tar, and a truncated tar', async () => {
    await expect(unpackLayer(chunksOf(Buffer.alloc(2048, 7)), layer, 'L')).rejects.toThrow(
      'invalid archive: layer L: Invalid tar header',
    );
    const tar = await tarOf([{ name: 'f', content: 'y'.repeat(5000) }]);
    await expect(unpackLayer(chunksOf(tar.subarray(0, 2000)), layer, 'L')).rejects.toThrow(
      'invalid archive: layer L: Unexpected end of data',
    );
    expect(await readdir(base)).toEqual(['outside']);
  });
});
