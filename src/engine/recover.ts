import type { Logger } from 'pino';
import { readExitFile } from './containers/exit-watch.js';
import type { ContainerManager, LiveContainer } from './containers/manager.js';
import { runFiles } from './containers/manager.js';
import { restartsOnBoot } from './containers/restart-policy.js';
import type { Runtime } from './containers/runtime.js';
import type { EnginePaths } from './paths.js';

/**
 * Rebuilds the engine's view after a start: containers whose runtime state says they
 * still run are followed again; those that exited while the engine was away get their
 * exit recorded (exit file, else 255); restart-policy containers come back up.
 */
export async function recoverContainers(
  containers: ContainerManager,
  runtime: Runtime,
  paths: EnginePaths,
  log: Logger,
): Promise<void> {
  const all = await containers.load();
  await Promise.all(all.map((live) => recoverOne(live, containers, runtime, paths, log)));
}

async function recoverOne(
  live: LiveContainer,
  containers: ContainerManager,
  runtime: Runtime,
  paths: EnginePaths,
  log: Logger,
): Promise<void> {
  const record = live.record;
  try {
    if (record.State.Running || record.State.Restarting) {
      const state = await runtime.state(record.Id);
      if (state && (state.status === 'running' || state.status === 'paused')) {
        // A start saves the record before tcrun knows the pid: the runtime's state has it.
        record.State.Pid = state.pid;
        record.State.Paused = state.status === 'paused';
        record.State.Status = state.status;
        record.State.Restarting = false;
        containers.adoptRunning(live);
        log.info({ id: record.Id, pid: state.pid }, 'container still running');
        return;
      }
      const status = readExitFile(runFiles(paths, record.Id).exitFile) ?? 255;
      log.info({ id: record.Id, status }, 'container exited while the engine was away');
      await containers.recordExit(live, status);
      return;
    }
    if (restartsOnBoot(record.HostConfig.RestartPolicy, record.ManuallyStopped)) {
      await containers.startForRecovery(live);
    }
  } catch (error) {
    log.error({ err: error, id: record.Id }, 'recovering container failed');
  }
}
