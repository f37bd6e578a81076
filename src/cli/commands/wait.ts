import type { Command } from 'commander';
import { selectContainers } from '../service-containers.js';

export function registerWait(program: Command): void {
  program
    .command('wait')
    .description('block until the first container of the services stops; exit with its code')
    .argument('<services...>', 'the services to wait for')
    .action(async (services: string[], _flags: object, command: Command) => {
      const [{ connectProjectEngine }, { projectFromOptions }] = await Promise.all([
        import('../project-engine-connection.js'),
        import('../project-from-options.js'),
      ]);
      const project = projectFromOptions(command, { services });
      const engine = await connectProjectEngine(command);
      const containers = await selectContainers(engine, project, { services, all: true });
      if (containers.length === 0) throw new Error(`no containers for ${services.join(', ')}`);
      process.exitCode = await Promise.race(
        containers.map((container) => engine.waitExit(container.Id)),
      );
    });
}
