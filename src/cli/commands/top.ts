import type { Command } from 'commander';
import { containerName, selectContainers } from '../service-containers.js';
import { formatTable } from '../table.js';

export function registerTop(program: Command): void {
  program
    .command('top')
    .description('show the processes running in the containers of the services')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _flags: object, command: Command) => {
      const [{ connectProjectEngine }, { projectFromOptions }] = await Promise.all([
        import('../project-engine-connection.js'),
        import('../project-from-options.js'),
      ]);
      const project = projectFromOptions(command, { services });
      const engine = await connectProjectEngine(command);
      for (const container of await selectContainers(engine, project, { services })) {
        const top = await engine.client.request<{ Titles: string[]; Processes: string[][] }>(
          'GET',
          `/containers/${container.Id}/top`,
        );
        process.stdout.write(
          `${containerName(container)}\n${formatTable(top.Titles, top.Processes)}\n`,
        );
      }
    });
}
