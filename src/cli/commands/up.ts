import type { Command } from 'commander';
import { selectServices } from '../../compose/select-services.js';
import { buildDependencyGraph, startLevels } from '../../scheduler/dependency-graph.js';
import { projectFromOptions } from '../project-from-options.js';
import { writeOutput } from '../write-output.js';

interface UpOptions {
  dryRun?: boolean;
}

/** The start order as `level N: a, b` lines. */
export function formatStartLevels(levels: string[][]): string {
  return levels.map((level, index) => `level ${index + 1}: ${level.join(', ')}\n`).join('');
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('create and start the services, in dependency order')
    .argument('[services...]', 'only these services and their dependencies')
    .option('--dry-run', 'print the start order without touching any engine')
    .action((services: string[], options: UpOptions, command: Command) => {
      const project = selectServices(projectFromOptions(command, { services }), services);
      const levels = startLevels(buildDependencyGraph(project));
      if (!options.dryRun) {
        throw new Error('the engine is not available yet: use `tcompose up --dry-run`');
      }
      writeOutput(formatStartLevels(levels));
    });
}
