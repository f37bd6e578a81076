/** How long an auto-removed container's exit stays known to late waiters. */
const KEPT_MS = 10_000;

interface RemovedExit {
  id: string;
  name: string;
  exitCode: number;
}

/**
 * The last exits of containers the engine removed by itself (HostConfig.AutoRemove), kept
 * for a few seconds. A client that starts such a container and only then asks to wait for
 * it (dockerode's run does) would otherwise get a 404 whenever the process ends before the
 * wait arrives, a race Docker's slower removal mostly hides.
 */
export class AutoRemovedExits {
  private readonly exits = new Map<string, RemovedExit>();

  remember(id: string, name: string, exitCode: number): void {
    this.exits.set(id, { id, name, exitCode });
    setTimeout(() => this.exits.delete(id), KEPT_MS).unref();
  }

  /** The exit code of a container removed a moment ago, by id, name or unique id prefix. */
  exitCodeOf(reference: string): number | undefined {
    const name = reference.startsWith('/') ? reference : `/${reference}`;
    const matches = [...this.exits.values()].filter(
      (exit) => exit.id.startsWith(reference) || exit.name === name,
    );
    return matches.length === 1 ? matches[0]?.exitCode : undefined;
  }
}
