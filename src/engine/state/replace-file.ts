import {
  closeSync,
  ftruncateSync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';

/**
 * Writes a small file in place when it exists, else creates it. Creating a file costs far
 * more than writing one on some filesystems (ext4 scans past recently deleted inodes: up to
 * a millisecond per file on a busy machine). No truncation to zero, which has ext4 flush
 * at close: the new content goes over the old and the file is cut to its length.
 */
export function fillFile(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch {
    writeFileSync(path, text);
    return;
  }
  try {
    const bytes = Buffer.from(text);
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}

/** The name of a replaced file's spare, after the file's. */
export const SPARE_SUFFIX = '.spare';

/**
 * Replaces a file so that readers (and a crash) see the old content or the new one whole,
 * as a temporary file renamed over it would, but with no file made after the first time:
 * the new content fills a spare (`<path>.spare`), the current file is linked aside, the
 * spare renamed over it, and the old one renamed to be the next spare. Not durable (no
 * fsync), for records rebuilt anyway at start. What a crash leaves aside is replaced.
 */
export function replaceFile(path: string, text: string): void {
  const spare = `${path}${SPARE_SUFFIX}`;
  const aside = `${path}.old`;
  fillFile(spare, text);
  const kept = linkAside(path, aside);
  renameSync(spare, path);
  if (kept) renameSync(aside, spare);
}

/** Links `path` as `aside` too; false when there is no `path` yet. */
function linkAside(path: string, aside: string): boolean {
  try {
    linkSync(path, aside);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code !== 'EEXIST') throw error;
  }
  unlinkSync(aside);
  linkSync(path, aside);
  return true;
}
