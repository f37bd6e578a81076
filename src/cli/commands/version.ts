import { createRequire } from 'node:module';
import type { Command } from 'commander';

const require = createRequire(import.meta.url);
export const tcomposeVersion: string = require('../../../package.json').version;

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('show the tcompose version')
    .option('--short', 'print only the version number')
    .action((options: { short?: boolean }) => {
      process.stdout.write(
        options.short ? `${tcomposeVersion}\n` : `tcompose version ${tcomposeVersion}\n`,
      );
    });
}
