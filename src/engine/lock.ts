import { link, readFile, unlink, writeFile } from 'node:fs/promises';

/** Thrown when another live engine already holds the data root. */
export class EngineLockedError extends Error {
  constructor(
    readonly root: string,
    readonly pid: number,
  ) {
    super(`another engine (pid ${pid}) is already running on data root ${root}`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function lockHolder(lockFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(lockFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the one-engine-per-root lock: a pid file created atomically with link(2), so two
 * engines starting at once cannot both win. A lock left by a dead engine is taken over.
 */
export async function acquireLock(lockFile: string, root: string): Promise<() => Promise<void>> {
  const candidate = `${lockFile}.${process.pid}`;
  await writeFile(candidate, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await link(candidate, lockFile);
        return async () => {
          await unlink(lockFile).catch(() => undefined);
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = await lockHolder(lockFile);
        if (holder !== undefined && holder !== process.pid)
          throw new EngineLockedError(root, holder);
        await unlink(lockFile).catch(() => undefined);
      }
    }
    throw new Error(`cannot take the engine lock ${lockFile}`);
  } finally {
    await unlink(candidate).catch(() => undefined);
  }
}
