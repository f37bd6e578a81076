import { badParameter } from '../../errors/engine-error.js';
import type { RestartPolicy } from './model.js';

const policies = ['', 'no', 'always', 'on-failure', 'unless-stopped'];

export function checkRestartPolicy(policy: RestartPolicy | undefined, autoRemove: boolean): void {
  if (!policy) return;
  const name = policy.Name ?? '';
  if (!policies.includes(name)) throw badParameter(`invalid restart policy '${name}'`);
  if ((policy.MaximumRetryCount ?? 0) < 0) {
    throw badParameter('invalid restart policy: maximum retry count cannot be negative');
  }
  if (name !== 'on-failure' && (policy.MaximumRetryCount ?? 0) > 0) {
    throw badParameter(
      `invalid restart policy: maximum retry count can only be used with 'on-failure'`,
    );
  }
  if (autoRemove && name !== '' && name !== 'no') {
    throw badParameter("can't create 'AutoRemove' container with restart policy");
  }
}

/** Whether the engine restarts a container that just exited, as Docker decides it. */
export function shouldRestart(
  policy: RestartPolicy | undefined,
  exitCode: number,
  restartCount: number,
  manuallyStopped: boolean,
): boolean {
  if (manuallyStopped) return false;
  switch (policy?.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure': {
      const max = policy.MaximumRetryCount ?? 0;
      return exitCode !== 0 && (max === 0 || restartCount < max);
    }
    default:
      return false;
  }
}

/** Whether the container comes back when the engine starts. */
export function restartsOnBoot(
  policy: RestartPolicy | undefined,
  manuallyStopped: boolean,
): boolean {
  return !manuallyStopped && (policy?.Name === 'always' || policy?.Name === 'unless-stopped');
}

const initialDelayMs = 100;
const maxDelayMs = 60_000;
/** A container that ran this long is considered healthy again: the backoff resets. */
export const resetAfterMs = 10_000;

/** Docker's backoff: 100 ms, doubling on each quick failure, at most one minute. */
export function nextBackoff(previousMs: number, ranForMs: number): number {
  if (ranForMs >= resetAfterMs || previousMs === 0) return initialDelayMs;
  return Math.min(previousMs * 2, maxDelayMs);
}
