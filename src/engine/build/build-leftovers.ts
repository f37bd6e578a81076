import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a build holds while it runs (step containers, snapshots) is named by a marker
 * file in its scratch directory, so that what an engine killed mid-build left behind is
 * removed when the next engine starts, instead of lingering as a stray container or a
 * snapshot nobody owns.
 */
export type BuildResource = 'container' | 'snapshot';

const marker = (workDirectory: string, kind: BuildResource, id: string) =>
  join(workDirectory, `${kind}.${id}`);

export async function holdResource(
  workDirectory: string,
  kind: BuildResource,
  id: string,
): Promise<void> {
  await writeFile(marker(workDirectory, kind, id), '');
}

export async function releaseResource(
  workDirectory: string,
  kind: BuildResource,
  id: string,
): Promise<void> {
  await rm(marker(workDirectory, kind, id), { force: true });
}

export interface LeftoverRemovers {
  container: (id: string) => Promise<void>;
  snapshot: (id: string) => Promise<void>;
}

/** Removes what the builds under `scratch` still held (containers first), then their scratch. */
export async function removeLeftovers(scratch: string, remove: LeftoverRemovers): Promise<void> {
  const builds = await readdir(scratch).catch(() => [] as string[]);
  const held: [BuildResource, string][] = [];
  for (const build of builds) {
    for (const name of await readdir(join(scratch, build)).catch(() => [] as string[])) {
      const [kind, id] = name.split('.', 2) as [string, string | undefined];
      if ((kind === 'container' || kind === 'snapshot') && id) held.push([kind, id]);
    }
  }
  held.sort(([a], [b]) => (a === b ? 0 : a === 'container' ? -1 : 1));
  for (const [kind, id] of held) await remove[kind](id).catch(() => undefined);
  await rm(scratch, { recursive: true, force: true });
}
