import { type Command, Option } from 'commander';
import type { PullPolicy } from '../image-pull.js';

interface PullFlags {
  ignorePullFailures?: boolean;
  includeDeps?: boolean;
  quiet?: boolean;
  policy: PullPolicy;
  dryRun?: boolean;
}

export function registerPull(program: Command): void {
  program
    .command('pull')
    .description('pull the images of the services (built services are left to build)')
    .argument('[services...]', 'only these services')
    .option('--ignore-pull-failures', 'pull what can be pulled and warn about the rest')
    .option('--include-deps', 'also the services the named ones depend on')
    .option('-q, --quiet', 'print no progress')
    .addOption(
      new Option('--policy <policy>', 'pull always, or only missing images')
        .choices(['always', 'missing'])
        .default('always'),
    )
    .option('--dry-run', 'show what would be pulled, pulling nothing')
    .action(async (services: string[], flags: PullFlags, command: Command) => {
      const [{ ensureImages }, { runProjectCommand }, { selectServices }] = await Promise.all([
        import('../image-pull.js'),
        import('../project-command.js'),
        import('../../compose/select-services.js'),
      ]);
      await runProjectCommand(
        command,
        { services, dryRun: flags.dryRun, progress: flags.quiet ? 'quiet' : undefined },
        async ({ project, engine, report }) => {
          const named = services.length > 0 && !flags.includeDeps;
          const selected = named
            ? services
            : Object.keys(selectServices(project, services).services);
          const failures: Error[] = [];
          await ensureImages(
            engine,
            project,
            {
              services: selected,
              policy: flags.policy,
              onFailure: flags.ignorePullFailures ? (error) => failures.push(error) : undefined,
            },
            report,
          );
          for (const failure of failures) process.stderr.write(`warning: ${failure.message}\n`);
        },
      );
    });
}
