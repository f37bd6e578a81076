import { readFile } from 'node:fs/promises';
import { EngineError } from '../../errors/engine-error.js';
import { runCommand } from './command.js';

/**
 * Per-container overlay mounts. Node has no mount(2), so `mount -t overlay` runs
 * with its working directory in the layers directory and the lower dirs named
 * relatively by their short names: the whole option string must fit in one page,
 * which absolute paths would overflow past a few dozen layers.
 */
const PAGE_SIZE = 4096;

/** Decodes the octal escapes (`\040` for a space) /proc uses in mount paths. */
const unescapeMountPath = (text: string) =>
  text.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );

export async function mountPoints(): Promise<Set<string>> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  const points = new Set<string>();
  for (const line of table.split('\n')) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint !== undefined) points.add(unescapeMountPath(mountPoint));
  }
  return points;
}

export interface OverlayMount {
  /** Directory the lower dir names are relative to. */
  layersDirectory: string;
  /** Lower dir names, top layer first. */
  lowerDirs: string[];
  upperDir: string;
  workDir: string;
  target: string;
}

/** The `-o` option string, refused when it cannot fit the kernel's one-page limit. */
export function overlayOptions(mount: OverlayMount): string {
  for (const name of mount.lowerDirs) {
    if (/[,:\\]/.test(name))
      throw new EngineError(500, `layer directory name "${name}" cannot be mounted`);
  }
  const options = `lowerdir=${mount.lowerDirs.join(':')},upperdir=${mount.upperDir},workdir=${mount.workDir}`;
  if (options.length >= PAGE_SIZE) {
    throw new EngineError(
      500,
      `overlay options for ${mount.lowerDirs.length} layers exceed one page`,
    );
  }
  return options;
}

export async function mountOverlay(mount: OverlayMount): Promise<void> {
  await runCommand(
    'mount',
    ['-t', 'overlay', 'overlay', '-o', overlayOptions(mount), mount.target],
    {
      cwd: mount.layersDirectory,
    },
  );
}

export async function unmount(target: string): Promise<void> {
  await runCommand('umount', [target]);
}
