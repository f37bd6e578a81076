import type { Command } from 'commander';
import { globalOptionsOf } from '../global-options.js';
import { progressPrinter } from '../progress-printer.js';

interface DownFlags {
  volumes?: boolean;
  removeOrphans?: boolean;
  timeout?: string;
}

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop and remove containers and networks (and volumes with -v)')
    .option('-v, --volumes', 'also remove named volumes and anonymous volumes of the containers')
    .option('--remove-orphans', 'remove containers of services not defined in the compose file')
    .option('-t, --timeout <seconds>', 'seconds to wait for a container to stop before killing it')
    .action(async (flags: DownFlags, command: Command) => {
      const [{ downProject }, { connectProjectEngine }, { projectFromOptions }] = await Promise.all(
        [
          import('../../scheduler/down.js'),
          import('../project-engine-connection.js'),
          import('../project-from-options.js'),
        ],
      );
      const project = projectFromOptions(command);
      const engine = await connectProjectEngine(command);
      const result = await downProject(
        engine,
        project,
        {
          volumes: flags.volumes,
          removeOrphans: flags.removeOrphans,
          timeout: flags.timeout === undefined ? undefined : Number(flags.timeout),
        },
        progressPrinter(globalOptionsOf(command).progress ?? 'auto'),
      );
      if (result.orphans.length > 0) {
        process.stderr.write(
          `warning: found orphan containers (${result.orphans.map((c) => c.name).join(', ')}) for this project; ` +
            'run with --remove-orphans to clean them up\n',
        );
      }
    });
}
