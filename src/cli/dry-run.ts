import { type Command, Option } from 'commander';
import type { Reporter } from '../scheduler/progress.js';
import { ProjectEngine } from '../scheduler/project-engine.js';
import { globalOptionsOf } from './global-options.js';

/** `--dry-run` given globally (`tcompose --dry-run stop`) or on the command itself. */
export function dryRunWanted(command: Command, flags: { dryRun?: boolean } = {}): boolean {
  return flags.dryRun === true || globalOptionsOf(command).dryRun === true;
}

/**
 * The engine as a dry run sees it: it reads what exists (containers, networks, volumes)
 * and changes nothing, so commands plan and report exactly what they would do.
 */
export class DryRunProjectEngine extends ProjectEngine {
  override async createContainer(name: string): Promise<string> {
    return `dry-run-${name}`;
  }
  override async start(): Promise<void> {}
  override async stop(): Promise<void> {}
  override async kill(): Promise<void> {}
  override async remove(): Promise<void> {}
  override async createNetwork(): Promise<void> {}
  override async removeNetwork(): Promise<void> {}
  override async createVolume(): Promise<void> {}
  override async removeVolume(): Promise<void> {}
}

/** POST /containers/{id}/{action} (restart, pause, unpause), skipped in a dry run. */
export async function containerAction(
  engine: ProjectEngine,
  id: string,
  action: string,
  query: Record<string, number | undefined> = {},
): Promise<void> {
  if (engine instanceof DryRunProjectEngine) return;
  await engine.client.request('POST', `/containers/${encodeURIComponent(id)}/${action}`, {
    query,
  });
}

/** Marks every event of a dry run, which the printers show as `DRY-RUN MODE -`. */
export const dryRunReporter =
  (report: Reporter): Reporter =>
  (event) =>
    report({ ...event, dryRun: true });

/** A command's own `--dry-run`, the same as the global one. */
export const dryRunOption = () =>
  new Option('--dry-run', 'show what the command would do, changing nothing');
