import type { Command } from 'commander';
import type { Project } from '../../compose/model.js';
import { ComposeLabel } from '../../scheduler/compose-labels.js';
import { reportStep } from '../../scheduler/progress.js';
import type { ContainerListing } from '../../scheduler/project-engine.js';
import { containerAction, dryRunOption } from '../dry-run.js';
import { type ProjectCommand, runProjectCommand } from '../project-command.js';
import { containerName, selectContainers } from '../service-containers.js';

const seconds = (value: string | undefined) => (value === undefined ? undefined : Number(value));

interface DryRunFlag {
  dryRun?: boolean;
}

/** The action of a command on its project's engine, with --dry-run and --progress handled. */
const inProject =
  <F extends DryRunFlag>(
    act: (services: string[], flags: F, context: ProjectCommand) => Promise<void>,
  ) =>
  (services: string[], flags: F, command: Command) =>
    runProjectCommand(command, { services, dryRun: flags.dryRun }, (context) =>
      act(services, flags, context),
    );

/** Acts on the selected containers service by service, in dependency order. */
async function inDependencyOrder(
  project: Project,
  containers: ContainerListing[],
  act: (container: ContainerListing) => Promise<void>,
): Promise<void> {
  const [{ walkGraph }, { buildDependencyGraph }] = await Promise.all([
    import('../../scheduler/graph-walk.js'),
    import('../../scheduler/dependency-graph.js'),
  ]);
  await walkGraph(buildDependencyGraph(project), async (service) => {
    await Promise.all(
      containers.filter((c) => c.Labels[ComposeLabel.service] === service).map((c) => act(c)),
    );
  });
}

export function registerLifecycle(program: Command): void {
  program
    .command('create')
    .description('create the containers of the services without starting them')
    .argument('[services...]', 'only these services and their dependencies')
    .option('--force-recreate', 'recreate containers even if nothing changed')
    .option('--no-recreate', 'keep existing containers even if their configuration changed')
    .addOption(dryRunOption())
    .action(
      inProject<DryRunFlag & { forceRecreate?: boolean; recreate: boolean }>(
        async (services, flags, { project, engine, report }) => {
          const recreate = flags.forceRecreate ? 'force' : flags.recreate ? 'diverged' : 'never';
          const { upProject } = await import('../../scheduler/up.js');
          await upProject(engine, project, { services, noStart: true, recreate }, report);
        },
      ),
    );

  program
    .command('start')
    .description('start existing containers of the services')
    .argument('[services...]', 'only these services')
    .addOption(dryRunOption())
    .action(
      inProject(async (services, _flags, { project, engine, report }) => {
        const stopped = (await selectContainers(engine, project, { services, all: true })).filter(
          (c) => c.State !== 'running',
        );
        await inDependencyOrder(project, stopped, (c) =>
          reportStep(
            report,
            { kind: 'Container', name: containerName(c) },
            ['Starting', 'Started'],
            () => engine.start(c.Id),
          ),
        );
      }),
    );

  program
    .command('stop')
    .description('stop running containers without removing them')
    .argument('[services...]', 'only these services')
    .option('-t, --timeout <seconds>', 'seconds to wait before killing a container')
    .addOption(dryRunOption())
    .action(
      inProject<DryRunFlag & { timeout?: string }>(
        async (services, flags, { project, engine, report }) => {
          const { stopProject } = await import('../../scheduler/stop.js');
          await stopProject(engine, project, { services, timeout: seconds(flags.timeout) }, report);
        },
      ),
    );

  program
    .command('restart')
    .description('restart the containers of the services')
    .argument('[services...]', 'only these services')
    .option('-t, --timeout <seconds>', 'seconds to wait before killing a container')
    .addOption(dryRunOption())
    .action(
      inProject<DryRunFlag & { timeout?: string }>(
        async (services, flags, { project, engine, report }) => {
          const containers = await selectContainers(engine, project, { services, all: true });
          await inDependencyOrder(project, containers, (c) =>
            reportStep(
              report,
              { kind: 'Container', name: containerName(c) },
              ['Restarting', 'Started'],
              () => containerAction(engine, c.Id, 'restart', { t: seconds(flags.timeout) }),
            ),
          );
        },
      ),
    );

  program
    .command('kill')
    .description('send a signal to the running containers of the services')
    .argument('[services...]', 'only these services')
    .option('-s, --signal <signal>', 'the signal to send', 'SIGKILL')
    .option('--remove-orphans', 'also kill containers of services no longer defined')
    .addOption(dryRunOption())
    .action(
      inProject<DryRunFlag & { signal: string }>(
        async (services, flags, { project, engine, report }) => {
          const running = await selectContainers(engine, project, { services });
          await Promise.all(
            running.map((c) =>
              reportStep(
                report,
                { kind: 'Container', name: containerName(c) },
                ['Killing', 'Killed'],
                () => engine.kill(c.Id, flags.signal),
              ),
            ),
          );
        },
      ),
    );

  for (const [verb, description] of [
    ['pause', 'pause the running containers of the services'],
    ['unpause', 'resume the paused containers of the services'],
  ] as const) {
    program
      .command(verb)
      .description(description)
      .argument('[services...]', 'only these services')
      .addOption(dryRunOption())
      .action(
        inProject(async (services, _flags, { project, engine, report }) => {
          const containers = (
            await selectContainers(engine, project, { services, all: true })
          ).filter((c) => (verb === 'pause' ? c.State === 'running' : c.State === 'paused'));
          const statuses: [string, string] =
            verb === 'pause' ? ['Pausing', 'Paused'] : ['Unpausing', 'Unpaused'];
          await Promise.all(
            containers.map((c) =>
              reportStep(report, { kind: 'Container', name: containerName(c) }, statuses, () =>
                containerAction(engine, c.Id, verb),
              ),
            ),
          );
        }),
      );
  }

  program
    .command('rm')
    .description('remove stopped containers of the services')
    .argument('[services...]', 'only these services')
    .option('-f, --force', 'do not ask for confirmation')
    .option('-s, --stop', 'stop the containers first if needed')
    .option('-v, --volumes', 'remove anonymous volumes attached to the containers')
    .addOption(dryRunOption())
    .action(
      inProject<DryRunFlag & { force?: boolean; stop?: boolean; volumes?: boolean }>(
        async (services, flags, { project, engine, report, dryRun }) => {
          if (flags.stop) {
            const { stopProject } = await import('../../scheduler/stop.js');
            await stopProject(engine, project, { services }, report);
          }
          const removable = (
            await selectContainers(engine, project, { services, all: true, oneoff: true })
          ).filter((c) => c.State !== 'running' && c.State !== 'paused');
          if (removable.length === 0) {
            process.stderr.write('No stopped containers\n');
            return;
          }
          if (!flags.force && !dryRun) {
            throw new Error(
              `Going to remove ${removable.map(containerName).join(', ')}: run with -f to confirm`,
            );
          }
          await Promise.all(
            removable.map((c) =>
              reportStep(
                report,
                { kind: 'Container', name: containerName(c) },
                ['Removing', 'Removed'],
                () => engine.remove(c.Id, { volumes: flags.volumes }),
              ),
            ),
          );
        },
      ),
    );
}
