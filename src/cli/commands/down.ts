import type { Command } from 'commander';
import { dryRunOption } from '../dry-run.js';
import { runProjectCommand } from '../project-command.js';

interface DownFlags {
  volumes?: boolean;
  removeOrphans?: boolean;
  timeout?: string;
  dryRun?: boolean;
}

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop and remove containers and networks (and volumes with -v)')
    .option('-v, --volumes', 'also remove named volumes and anonymous volumes of the containers')
    .option('--remove-orphans', 'remove containers of services not defined in the compose file')
    .option('-t, --timeout <seconds>', 'seconds to wait for a container to stop before killing it')
    .addOption(dryRunOption())
    .action(async (flags: DownFlags, command: Command) => {
      const { downProject } = await import('../../scheduler/down.js');
      const result = await runProjectCommand(
        command,
        { dryRun: flags.dryRun },
        ({ engine, project, report }) =>
          downProject(
            engine,
            project,
            {
              volumes: flags.volumes,
              removeOrphans: flags.removeOrphans,
              timeout: flags.timeout === undefined ? undefined : Number(flags.timeout),
            },
            report,
          ),
      );
      if (result.orphans.length > 0) {
        process.stderr.write(
          `warning: found orphan containers (${result.orphans.map((c) => c.name).join(', ')}) for this project; ` +
            'run with --remove-orphans to clean them up\n',
        );
      }
    });
}
