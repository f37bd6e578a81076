import type { Command } from 'commander';
import { ComposeLabel } from '../../scheduler/compose-labels.js';
import type { ContainerListing } from '../../scheduler/project-engine.js';
import { formatTable } from '../table.js';

interface ProjectSummary {
  Name: string;
  Status: string;
  ConfigFiles: string;
}

/** "running(2), exited(1)", as Compose summarises a project's containers. */
function statusOf(containers: ContainerListing[]): string {
  const counts = new Map<string, number>();
  for (const container of containers)
    counts.set(container.State, (counts.get(container.State) ?? 0) + 1);
  return [...counts].map(([state, count]) => `${state}(${count})`).join(', ');
}

/** The projects the engine holds containers of, from their Compose labels. */
export function summarizeProjects(containers: ContainerListing[], all: boolean): ProjectSummary[] {
  const byProject = new Map<string, ContainerListing[]>();
  for (const container of containers) {
    const name = container.Labels[ComposeLabel.project];
    byProject.set(name, [...(byProject.get(name) ?? []), container]);
  }
  return [...byProject]
    .filter(([, members]) => all || members.some((container) => container.State === 'running'))
    .map(([name, members]) => ({
      Name: name,
      Status: statusOf(members),
      ConfigFiles: members[0].Labels[ComposeLabel.configFiles] ?? '',
    }))
    .sort((a, b) => a.Name.localeCompare(b.Name));
}

export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('list the compose projects the engine runs')
    .option('-a, --all', 'also projects whose containers are all stopped')
    .option('-q, --quiet', 'only print project names')
    .option('--format <format>', 'table or json', 'table')
    .action(async (flags: { all?: boolean; quiet?: boolean; format: string }, command: Command) => {
      const { connectEngine } = await import('../project-engine-connection.js');
      const client = await connectEngine(command);
      const containers = await client.request<ContainerListing[]>('GET', '/containers/json', {
        query: { all: 1, filters: { label: [ComposeLabel.project] } },
      });
      const projects = summarizeProjects(containers, flags.all === true);
      if (flags.quiet) process.stdout.write(projects.map((p) => `${p.Name}\n`).join(''));
      else if (flags.format === 'json') process.stdout.write(`${JSON.stringify(projects)}\n`);
      else {
        process.stdout.write(
          formatTable(
            ['NAME', 'STATUS', 'CONFIG FILES'],
            projects.map((p) => [p.Name, p.Status, p.ConfigFiles]),
          ),
        );
      }
    });
}
