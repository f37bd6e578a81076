import { ComposeError } from '../compose/errors.js';
import type { DependencyCondition } from '../compose/model.js';
import type { ProjectEngine } from './project-engine.js';

const POLL_INTERVAL_MS = 100;
const LOG_LINES_ON_FAILURE = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A dependency that failed its condition, with the last lines it printed. */
async function dependencyFailure(
  engine: ProjectEngine,
  container: string,
  why: string,
): Promise<ComposeError> {
  const logs = (await engine.tail(container, LOG_LINES_ON_FAILURE).catch(() => '')).trimEnd();
  const lastLines = logs ? `\nlast lines of ${container}:\n${logs}` : '';
  return new ComposeError(`dependency failed to start: container ${container} ${why}${lastLines}`);
}

async function waitHealthy(engine: ProjectEngine, container: string): Promise<void> {
  for (;;) {
    const state = (await engine.inspect(container)).State;
    if (!state.Health) {
      throw await dependencyFailure(engine, container, 'has no healthcheck configured');
    }
    if (state.Health.Status === 'healthy') return;
    if (state.Health.Status === 'unhealthy')
      throw await dependencyFailure(engine, container, 'is unhealthy');
    if (!state.Running) {
      throw await dependencyFailure(
        engine,
        container,
        `exited (${state.ExitCode}) before it was healthy`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

async function waitCompleted(
  engine: ProjectEngine,
  container: string,
  service: string,
): Promise<void> {
  const exitCode = await engine.waitExit(container);
  if (exitCode !== 0) {
    throw await dependencyFailure(
      engine,
      container,
      `of service "${service}" didn't complete successfully: exit ${exitCode}`,
    );
  }
}

/** Resolves once every container of a dependency meets the condition its dependent asked for. */
export async function waitForCondition(
  engine: ProjectEngine,
  service: string,
  containers: string[],
  condition: DependencyCondition,
): Promise<void> {
  if (condition === 'service_started') return;
  await Promise.all(
    containers.map((container) =>
      condition === 'service_healthy'
        ? waitHealthy(engine, container)
        : waitCompleted(engine, container, service),
    ),
  );
}
