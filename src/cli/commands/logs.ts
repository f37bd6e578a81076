import type { Command } from 'commander';
import { ComposeLabel } from '../../scheduler/compose-labels.js';
import { colorsWanted, LogPrinter } from '../log-printer.js';
import { toUnixSeconds } from '../time-argument.js';

interface LogsFlags {
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  since?: string;
  until?: string;
  color: boolean;
  logPrefix: boolean;
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description('show the output of the services')
    .argument('[services...]', 'only these services')
    .option('-f, --follow', 'keep following the output')
    .option('-n, --tail <lines>', 'number of lines from the end of each log, or "all"', 'all')
    .option('-t, --timestamps', 'show timestamps')
    .option('--since <time>', 'only logs since this time (10m, RFC 3339 date, Unix timestamp)')
    .option('--until <time>', 'only logs before this time')
    .option('--no-color', 'monochrome output')
    .option('--no-log-prefix', 'do not print the service prefix')
    .action(async (services: string[], flags: LogsFlags, command: Command) => {
      const [{ logSource, streamLogs }, { connectProjectEngine }, { projectFromOptions }] =
        await Promise.all([
          import('../container-logs.js'),
          import('../project-engine-connection.js'),
          import('../project-from-options.js'),
        ]);
      const project = projectFromOptions(command, { services });
      const engine = await connectProjectEngine(command);
      const containers = (await engine.containers(project.name)).filter(
        (container) =>
          container.Labels[ComposeLabel.oneoff] !== 'True' &&
          (services.length === 0 || services.includes(container.Labels[ComposeLabel.service])),
      );
      const sources = containers
        .map((container) => ({ id: container.Id, source: logSource(container, project.name) }))
        .sort((a, b) => a.source.localeCompare(b.source));
      const printer = new LogPrinter({
        colors: colorsWanted(!flags.color),
        prefix: flags.logPrefix,
        width: Math.max(0, ...sources.map(({ source }) => source.length)),
      });
      await streamLogs(engine, sources, printer, {
        follow: flags.follow,
        tail: flags.tail,
        timestamps: flags.timestamps,
        since: flags.since === undefined ? undefined : toUnixSeconds(flags.since),
        until: flags.until === undefined ? undefined : toUnixSeconds(flags.until),
      });
    });
}
