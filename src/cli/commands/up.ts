import { type Command, Option } from 'commander';
import { selectServices } from '../../compose/select-services.js';
import type { RecreatePolicy } from '../../scheduler/convergence-plan.js';
import { dryRunWanted } from '../dry-run.js';
import { globalOptionsOf } from '../global-options.js';
import type { PullPolicy } from '../image-pull.js';
import { colorsWanted } from '../log-printer.js';
import { openProgress } from '../progress-printer.js';
import { writeOutput } from '../write-output.js';
import { buildOutputPrinter } from './build.js';

interface UpFlags {
  detach?: boolean;
  dryRun?: boolean;
  deps: boolean;
  forceRecreate?: boolean;
  recreate: boolean;
  removeOrphans?: boolean;
  scale: string[];
  wait?: boolean;
  waitTimeout?: string;
  abortOnContainerExit?: boolean;
  exitCodeFrom?: string;
  attach: string[];
  noAttach: string[];
  start: boolean;
  logPrefix: boolean;
  timestamps?: boolean;
  color: boolean;
  timeout?: string;
  build?: boolean;
  pull?: PullPolicy;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The start order as `level N: a, b` lines. */
export function formatStartLevels(levels: string[][]): string {
  return levels.map((level, index) => `level ${index + 1}: ${level.join(', ')}\n`).join('');
}

/** --scale web=3 --scale db=2 → { web: 3, db: 2 } */
export function parseScale(entries: string[]): Record<string, number> {
  return Object.fromEntries(
    entries.map((entry) => {
      const match = /^([^=]+)=(\d+)$/.exec(entry);
      if (!match) throw new Error(`invalid --scale "${entry}": expected SERVICE=NUMBER`);
      return [match[1], Number(match[2])];
    }),
  );
}

function recreatePolicy(flags: UpFlags): RecreatePolicy {
  if (flags.forceRecreate && !flags.recreate) {
    throw new Error('--force-recreate and --no-recreate are incompatible');
  }
  if (flags.forceRecreate) return 'force';
  return flags.recreate ? 'diverged' : 'never';
}

/** `--no-attach` takes a value, so it must not read as commander's negation of --attach. */
function noAttachOption(): Option {
  const option = new Option(
    '--no-attach <service>',
    "do not show this service's output (repeatable)",
  )
    .argParser(collect)
    .default([]);
  option.negate = false;
  option.attributeName = () => 'noAttach';
  return option;
}

const seconds = (value: string | undefined) => (value === undefined ? undefined : Number(value));

async function up(services: string[], flags: UpFlags, command: Command): Promise<void> {
  const [
    { buildDependencyGraph, startLevels },
    { upProject },
    { waitUntilReady },
    { followProject },
    { connectProjectEngine },
    { projectFromOptions },
    { ensureImages },
  ] = await Promise.all([
    import('../../scheduler/dependency-graph.js'),
    import('../../scheduler/up.js'),
    import('../../scheduler/wait-ready.js'),
    import('../foreground.js'),
    import('../project-engine-connection.js'),
    import('../project-from-options.js'),
    import('../image-pull.js'),
  ]);
  const project = projectFromOptions(command, { services });
  if (dryRunWanted(command, flags)) {
    writeOutput(
      formatStartLevels(startLevels(buildDependencyGraph(selectServices(project, services)))),
    );
    return;
  }
  const detached = flags.detach || flags.wait;
  if (detached && (flags.abortOnContainerExit || flags.exitCodeFrom)) {
    throw new Error(
      '--abort-on-container-exit and --exit-code-from cannot be combined with -d or --wait',
    );
  }
  const engine = await connectProjectEngine(command);
  const report = await openProgress(globalOptionsOf(command).progress);
  const since = Math.floor(Date.now() / 1000);
  const converge = async () => {
    const selected = Object.keys(selectServices(project, services).services);
    const pulled = flags.deps || services.length === 0 ? selected : services;
    await ensureImages(engine, project, { services: pulled, policy: flags.pull }, report);
    const converged = await upProject(
      engine,
      project,
      {
        services,
        noDeps: !flags.deps,
        scale: parseScale(flags.scale),
        recreate: recreatePolicy(flags),
        noStart: !flags.start,
        timeout: seconds(flags.timeout),
        removeOrphans: flags.removeOrphans,
        build: {
          policy: flags.build === true ? 'always' : flags.build === false ? 'never' : 'missing',
          output: buildOutputPrinter(command),
        },
      },
      report,
    );
    if (flags.wait) {
      const started = Object.values(converged.containers).flat();
      await waitUntilReady(engine, started, (seconds(flags.waitTimeout) ?? 60) * 1000);
    }
    return converged;
  };
  const result = await converge().catch(async (error: unknown) => {
    await report.close(error);
    throw error;
  });
  // The terminal renderer lets go of the screen before logs stream in the foreground.
  await report.close();
  if (result.orphans.length > 0) {
    process.stderr.write(
      `warning: found orphan containers (${result.orphans.map((c) => c.name).join(', ')}) for this project; ` +
        'run with --remove-orphans to clean them up\n',
    );
  }
  const containers = Object.values(result.containers).flat();
  if (detached || !flags.start) return;
  process.exitCode = await followProject(engine, project, {
    containers,
    attach: flags.attach,
    noAttach: flags.noAttach,
    abortOnContainerExit: flags.abortOnContainerExit === true || flags.exitCodeFrom !== undefined,
    exitCodeFrom: flags.exitCodeFrom,
    colors: colorsWanted(!flags.color),
    logPrefix: flags.logPrefix,
    timestamps: flags.timestamps === true,
    timeout: seconds(flags.timeout),
    since,
    report,
  });
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('create and start the services, in dependency order')
    .argument('[services...]', 'only these services and their dependencies')
    .option('-d, --detach', 'run in the background')
    .option('--dry-run', 'print the start order without touching any engine (also global)')
    .option('--no-deps', 'do not start the services the named ones depend on')
    .option('--force-recreate', 'recreate containers even if nothing changed')
    .option('--no-recreate', 'keep existing containers even if their configuration changed')
    .option('--remove-orphans', 'remove containers of services not defined in the compose file')
    .option(
      '--scale <service=number>',
      'run this many replicas of a service (repeatable)',
      collect,
      [],
    )
    .option('--wait', 'wait until the services are running and healthy (implies -d)')
    .option('--wait-timeout <seconds>', 'how long --wait may take', '60')
    .option('--abort-on-container-exit', 'stop every container when one exits')
    .option(
      '--exit-code-from <service>',
      "exit with this service's exit code (implies --abort-on-container-exit)",
    )
    .option('--attach <service>', "show only this service's output (repeatable)", collect, [])
    .addOption(noAttachOption())
    .option('--no-start', 'create containers without starting them')
    .option('--no-log-prefix', 'do not prefix output with the service name')
    .option('--timestamps', 'show timestamps')
    .option('--no-color', 'monochrome output')
    .option('-t, --timeout <seconds>', 'seconds to wait for containers to stop')
    .option('--build', 'build images before starting')
    .option('--no-build', 'do not build images')
    .addOption(
      new Option('--pull <policy>', 'pull images before running').choices([
        'always',
        'missing',
        'never',
      ]),
    )
    .action(up);
}
