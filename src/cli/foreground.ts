import type { Project } from '../compose/model.js';
import { ComposeLabel } from '../scheduler/compose-labels.js';
import type { Reporter } from '../scheduler/progress.js';
import type { ContainerListing, ProjectEngine } from '../scheduler/project-engine.js';
import { stopProject } from '../scheduler/stop.js';
import { logSource, streamLogs } from './container-logs.js';
import { LogPrinter } from './log-printer.js';

export interface ForegroundOptions {
  /** Containers `up` created or kept. */
  containers: string[];
  /** --attach: only these services' output (default: all). */
  attach: string[];
  /** --no-attach: not these services' output. */
  noAttach: string[];
  abortOnContainerExit: boolean;
  exitCodeFrom?: string;
  colors: boolean;
  logPrefix: boolean;
  timestamps: boolean;
  /** Seconds a container may take to stop when the project is stopped. */
  timeout?: number;
  /** When `up` started: output from before it (of kept containers) is not shown again. */
  since: number;
  report: Reporter;
}

/** Exit code of a foreground `up` ended by Ctrl-C, as a shell reports SIGINT. */
const INTERRUPTED = 130;

function attachedContainers(
  listing: ContainerListing[],
  options: ForegroundOptions,
): ContainerListing[] {
  return listing.filter((container) => {
    const name = container.Names[0]?.replace(/^\//, '') ?? '';
    const service = container.Labels[ComposeLabel.service];
    return (
      options.containers.includes(name) &&
      (options.attach.length === 0 || options.attach.includes(service)) &&
      !options.noAttach.includes(service)
    );
  });
}

/** First Ctrl-C stops the project gracefully, a second one kills it. */
function onInterrupt(stop: (kill: boolean) => Promise<void>): {
  interrupted: () => boolean;
  dispose: () => void;
} {
  let presses = 0;
  const handler = () => {
    presses += 1;
    if (presses === 1)
      process.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
    void stop(presses > 1);
  };
  process.on('SIGINT', handler);
  return { interrupted: () => presses > 0, dispose: () => process.off('SIGINT', handler) };
}

/**
 * The foreground part of `up`: streams the services' output with prefixes until
 * every attached container has exited, or until Ctrl-C / a container exit with
 * --abort-on-container-exit stops the project. Resolves to the command's exit code.
 */
export async function followProject(
  engine: ProjectEngine,
  project: Project,
  options: ForegroundOptions,
): Promise<number> {
  const attached = attachedContainers(await engine.containers(project.name), options);
  const sources = attached.map((container) => ({
    id: container.Id,
    source: logSource(container, project.name),
  }));
  const printer = new LogPrinter({
    colors: options.colors,
    prefix: options.logPrefix,
    width: Math.max(0, ...sources.map(({ source }) => source.length)),
  });
  let stopping: Promise<void> | undefined;
  const stop = (kill: boolean) => {
    const run = stopProject(engine, project, { timeout: options.timeout, kill }, options.report);
    stopping = kill ? run : (stopping ?? run);
    return stopping;
  };
  const interrupt = onInterrupt(stop);
  let firstExit: number | undefined;
  try {
    await Promise.all(
      sources.map(async (source) => {
        await streamLogs(engine, [source], printer, {
          follow: true,
          timestamps: options.timestamps,
          since: options.since,
        });
        const exitCode = (await engine.inspect(source.id)).State.ExitCode;
        process.stdout.write(`${source.source} exited with code ${exitCode}\n`);
        firstExit ??= exitCode;
        if (options.abortOnContainerExit && !stopping) {
          process.stderr.write('Aborting on container exit...\n');
          await stop(false);
        }
      }),
    );
    await stopping;
  } finally {
    interrupt.dispose();
  }
  if (options.exitCodeFrom) {
    const container = attached.find((c) => c.Labels[ComposeLabel.service] === options.exitCodeFrom);
    return container ? (await engine.inspect(container.Id)).State.ExitCode : 1;
  }
  if (interrupt.interrupted()) return INTERRUPTED;
  return options.abortOnContainerExit ? (firstExit ?? 0) : 0;
}
