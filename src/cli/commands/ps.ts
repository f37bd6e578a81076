import type { Command } from 'commander';
import { ComposeLabel } from '../../scheduler/compose-labels.js';
import type { ContainerListing } from '../../scheduler/project-engine.js';
import { formatTable, timeAgo } from '../table.js';

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  status: string[];
  filter: string[];
  format: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function ports(container: ContainerListing): string {
  return (container.Ports ?? [])
    .map((port) =>
      port.PublicPort
        ? `${port.IP ?? '0.0.0.0'}:${port.PublicPort}->${port.PrivatePort}/${port.Type}`
        : `${port.PrivatePort}/${port.Type}`,
    )
    .join(', ');
}

/** --status X and --filter status=X, the only filter Compose's ps knows. */
function wantedStates(flags: PsFlags): string[] {
  const fromFilters = flags.filter.map((filter) => {
    const [key, value] = filter.split('=');
    if (key !== 'status' || !value)
      throw new Error(`invalid filter "${filter}": only status=<state> is supported`);
    return value;
  });
  return [...flags.status, ...fromFilters];
}

function jsonLine(container: ContainerListing, project: string): string {
  return JSON.stringify({
    ID: container.Id,
    Name: container.Names[0]?.replace(/^\//, ''),
    Image: container.Image,
    Command: container.Command,
    Project: project,
    Service: container.Labels[ComposeLabel.service],
    Created: container.Created,
    State: container.State,
    Status: container.Status,
    Labels: container.Labels,
    Ports: ports(container),
  });
}

export function registerPs(program: Command): void {
  program
    .command('ps')
    .description('list the containers of the project')
    .argument('[services...]', 'only these services')
    .option('-a, --all', 'also show stopped containers')
    .option('-q, --quiet', 'only print container IDs')
    .option('--services', 'only print service names')
    .option('--status <state>', 'only containers in this state (repeatable)', collect, [])
    .option('--filter <key=value>', 'filter by a property: status=<state>', collect, [])
    .option('--format <format>', 'table or json', 'table')
    .action(async (services: string[], flags: PsFlags, command: Command) => {
      const [{ connectProjectEngine }, { projectFromOptions }] = await Promise.all([
        import('../project-engine-connection.js'),
        import('../project-from-options.js'),
      ]);
      const project = projectFromOptions(command, { services });
      const engine = await connectProjectEngine(command);
      const states = wantedStates(flags);
      const containers = (await engine.containers(project.name))
        .filter((container) => container.Labels[ComposeLabel.oneoff] !== 'True')
        .filter(
          (container) =>
            services.length === 0 || services.includes(container.Labels[ComposeLabel.service]),
        )
        .filter((container) =>
          states.length > 0
            ? states.includes(container.State)
            : flags.all || container.State === 'running',
        )
        .sort((a, b) => (a.Names[0] ?? '').localeCompare(b.Names[0] ?? ''));
      if (flags.quiet) {
        process.stdout.write(containers.map((c) => `${c.Id}\n`).join(''));
      } else if (flags.services) {
        const names = new Set(containers.map((c) => c.Labels[ComposeLabel.service]));
        process.stdout.write([...names].map((name) => `${name}\n`).join(''));
      } else if (flags.format === 'json') {
        process.stdout.write(containers.map((c) => `${jsonLine(c, project.name)}\n`).join(''));
      } else {
        const rows = containers.map((c) => [
          c.Names[0]?.replace(/^\//, '') ?? c.Id,
          c.Image,
          JSON.stringify(c.Command.length > 20 ? `${c.Command.slice(0, 19)}…` : c.Command),
          c.Labels[ComposeLabel.service],
          timeAgo(c.Created),
          c.Status,
          ports(c),
        ]);
        process.stdout.write(
          formatTable(['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'], rows),
        );
      }
    });
}
