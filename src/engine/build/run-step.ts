import { followLog } from '../containers/logs.js';
import type { ContainerManager } from '../containers/manager.js';
import { BuildError } from './build-error.js';
import { holdResource, releaseResource } from './build-leftovers.js';

/**
 * A RUN step: a container of this engine on the step's image, with no network, its
 * output streamed to the build, its changes (the snapshot's upper dir) handed to
 * `withChanges` after a successful exit; removed, with its snapshot and anonymous
 * volumes, whatever happens.
 */
export interface RunStep {
  image: string;
  argv: string[];
  /** Build arguments the command sees as environment (the image's Env is merged in). */
  env: string[];
  workingDir?: string;
  user?: string;
  output: (text: string) => void;
  changesOf: (containerId: string) => string;
  withChanges: (changesDirectory: string) => Promise<void>;
  /** Aborted when the client went away: the step's container is killed. */
  signal: AbortSignal;
  /** The build's scratch directory, where the container is marked as held while it exists. */
  workDirectory: string;
}

const LOG_OPTIONS = { stdout: true, stderr: true, timestamps: false, tty: false };

export async function runStepContainer(containers: ContainerManager, step: RunStep): Promise<void> {
  const { Id: id } = await containers.create(undefined, {
    Image: step.image,
    Entrypoint: step.argv,
    Cmd: [],
    Env: step.env,
    WorkingDir: step.workingDir ?? '',
    User: step.user ?? '',
    Healthcheck: { Test: ['NONE'] },
    HostConfig: { NetworkMode: 'none' },
  });
  await holdResource(step.workDirectory, 'container', id);
  const kill = () => void containers.kill(id).catch(() => undefined);
  step.signal.addEventListener('abort', kill, { once: true });
  try {
    step.output(` ---> Running in ${id.slice(0, 12)}\n`);
    step.signal.throwIfAborted();
    const exited = containers.wait(id, 'next-exit');
    await containers.start(id);
    // A cancel that came while the container was starting finds it running only now.
    if (step.signal.aborted) kill();
    const logPath = containers.find(id).record.LogPath;
    const done = exited.then(() => undefined);
    await followLog(logPath, 0, LOG_OPTIONS, (line) => step.output(line.log), done);
    const { StatusCode: code } = await exited;
    step.signal.throwIfAborted();
    if (code !== 0) {
      throw new BuildError(
        `The command '${step.argv.join(' ')}' returned a non-zero code: ${code}`,
      );
    }
    await step.withChanges(step.changesOf(id));
  } finally {
    step.signal.removeEventListener('abort', kill);
    step.output(`Removing intermediate container ${id.slice(0, 12)}\n`);
    await containers.remove(id, true, true);
    await releaseResource(step.workDirectory, 'container', id);
  }
}
