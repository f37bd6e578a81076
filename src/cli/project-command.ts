import type { Command } from 'commander';
import type { Project } from '../compose/model.js';
import type { Reporter } from '../scheduler/progress.js';
import type { ProjectEngine } from '../scheduler/project-engine.js';
import { DryRunProjectEngine, dryRunReporter, dryRunWanted } from './dry-run.js';
import { globalOptionsOf } from './global-options.js';
import { openProgress, type ProgressMode, type ProgressPrinter } from './progress-printer.js';

/** What a state-changing command works with: its project, its engine, its progress. */
export interface ProjectCommand {
  project: Project;
  /** In a dry run, an engine that reads and changes nothing. */
  engine: ProjectEngine;
  dryRun: boolean;
  report: Reporter;
}

interface ProjectCommandOptions {
  services?: string[];
  dryRun?: boolean;
  /** Overrides --progress (a command streaming a tar on stdio shows none). */
  progress?: ProgressMode;
}

/**
 * Loads the project, connects to its engine and opens a progress printer (--progress),
 * which the caller closes; with --dry-run the engine only reads and every progress line
 * says `DRY-RUN MODE -`.
 */
export async function openProjectCommand(
  command: Command,
  options: ProjectCommandOptions,
): Promise<ProjectCommand & { printer: ProgressPrinter }> {
  const [{ projectFromOptions }, { connectProjectEngine }] = await Promise.all([
    import('./project-from-options.js'),
    import('./project-engine-connection.js'),
  ]);
  const project = projectFromOptions(command, { services: options.services ?? [] });
  const dryRun = dryRunWanted(command, options);
  const connected = await connectProjectEngine(command);
  const engine = dryRun ? new DryRunProjectEngine(connected.client) : connected;
  const printer = await openProgress(options.progress ?? globalOptionsOf(command).progress);
  return { project, engine, dryRun, printer, report: dryRun ? dryRunReporter(printer) : printer };
}

/** `work` with the opened project command, its progress printer closed after it. */
export async function runProjectCommand<T>(
  command: Command,
  options: ProjectCommandOptions,
  work: (context: ProjectCommand) => Promise<T>,
): Promise<T> {
  const context = await openProjectCommand(command, options);
  try {
    const result = await work(context);
    await context.printer.close();
    return result;
  } catch (error) {
    await context.printer.close(error);
    throw error;
  }
}
