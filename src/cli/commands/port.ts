import type { Command } from 'commander';
import { ComposeLabel } from '../../scheduler/compose-labels.js';
import { selectContainers } from '../service-containers.js';

interface PortInspect {
  NetworkSettings: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> };
}

export function registerPort(program: Command): void {
  program
    .command('port')
    .description('print the host address a container port is published on')
    .argument('<service>', 'the service')
    .argument('<private_port>', 'the port inside the container')
    .option('--protocol <protocol>', 'tcp or udp', 'tcp')
    .option('--index <number>', 'which replica', '1')
    .action(
      async (
        service: string,
        privatePort: string,
        flags: { protocol: string; index: string },
        command: Command,
      ) => {
        const [{ connectProjectEngine }, { projectFromOptions }] = await Promise.all([
          import('../project-engine-connection.js'),
          import('../project-from-options.js'),
        ]);
        const project = projectFromOptions(command, { services: [service] });
        const engine = await connectProjectEngine(command);
        const container = (await selectContainers(engine, project, { services: [service] })).find(
          (candidate) => candidate.Labels[ComposeLabel.containerNumber] === flags.index,
        );
        if (!container)
          throw new Error(`service "${service}" has no running container #${flags.index}`);
        const inspect = await engine.client.request<PortInspect>(
          'GET',
          `/containers/${container.Id}/json`,
        );
        const binding = inspect.NetworkSettings.Ports?.[`${privatePort}/${flags.protocol}`]?.[0];
        if (!binding)
          throw new Error(
            `no port ${privatePort}/${flags.protocol} published for service "${service}"`,
          );
        process.stdout.write(`${binding.HostIp || '0.0.0.0'}:${binding.HostPort}\n`);
      },
    );
}
