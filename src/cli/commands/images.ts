import type { Command } from 'commander';
import { ComposeLabel } from '../../scheduler/compose-labels.js';
import { formatTable, humanSize } from '../table.js';

interface ImageInspect {
  Id: string;
  RepoTags: string[];
  Size: number;
}

export function registerImages(program: Command): void {
  program
    .command('images')
    .description('list the images the project containers use')
    .argument('[services...]', 'only these services')
    .option('-q, --quiet', 'only print image IDs')
    .option('--format <format>', 'table or json', 'table')
    .action(
      async (services: string[], flags: { quiet?: boolean; format: string }, command: Command) => {
        const [{ connectProjectEngine }, { projectFromOptions }] = await Promise.all([
          import('../project-engine-connection.js'),
          import('../project-from-options.js'),
        ]);
        const project = projectFromOptions(command, { services });
        const engine = await connectProjectEngine(command);
        const containers = (await engine.containers(project.name)).filter(
          (container) =>
            services.length === 0 || services.includes(container.Labels[ComposeLabel.service]),
        );
        const rows = await Promise.all(
          containers.map(async (container) => {
            const image = await engine.client.request<ImageInspect>(
              'GET',
              `/images/${encodeURIComponent(container.Image)}/json`,
            );
            const reference = image.RepoTags[0] ?? '<none>:<none>';
            const at = reference.lastIndexOf(':');
            return {
              container: container.Names[0]?.replace(/^\//, '') ?? container.Id,
              repository: reference.slice(0, at),
              tag: reference.slice(at + 1),
              id: image.Id.replace(/^sha256:/, '').slice(0, 12),
              size: image.Size,
            };
          }),
        );
        rows.sort((a, b) => a.container.localeCompare(b.container));
        if (flags.quiet)
          process.stdout.write([...new Set(rows.map((row) => `${row.id}\n`))].join(''));
        else if (flags.format === 'json') process.stdout.write(`${JSON.stringify(rows)}\n`);
        else {
          process.stdout.write(
            formatTable(
              ['CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'],
              rows.map((row) => [
                row.container,
                row.repository,
                row.tag,
                row.id,
                humanSize(row.size),
              ]),
            ),
          );
        }
      },
    );
}
