import { ComposeError } from '../compose/errors.js';
import type { ProjectEngine } from './project-engine.js';

const POLL_INTERVAL_MS = 100;

type Readiness = 'ready' | 'waiting' | 'failed';

async function readiness(engine: ProjectEngine, container: string): Promise<Readiness> {
  const state = (await engine.inspect(container)).State;
  if (!state.Running) return state.Status === 'exited' && state.ExitCode === 0 ? 'ready' : 'failed';
  if (!state.Health) return 'ready';
  if (state.Health.Status === 'unhealthy') return 'failed';
  return state.Health.Status === 'healthy' ? 'ready' : 'waiting';
}

/**
 * `up --wait`: resolves when every container runs (and is healthy when it has a
 * healthcheck) or has completed successfully; fails naming the ones that are not,
 * as soon as one fails or when the timeout passes.
 */
export async function waitUntilReady(
  engine: ProjectEngine,
  containers: string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(containers.map((name) => readiness(engine, name)));
    const failed = containers.filter((_, index) => states[index] === 'failed');
    if (failed.length > 0) {
      throw new ComposeError(`container ${failed.join(', ')} exited or is unhealthy`);
    }
    const waiting = containers.filter((_, index) => states[index] === 'waiting');
    if (waiting.length === 0) return;
    if (Date.now() >= deadline) {
      throw new ComposeError(`timed out waiting for ${waiting.join(', ')} to be healthy`, {
        hint: 'raise --wait-timeout or check the healthcheck',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
