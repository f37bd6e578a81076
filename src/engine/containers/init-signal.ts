import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What tcrun's state.json says about a container's init: its host pid and kernel start time. */
interface InitIdentity {
  pid: number;
  pidStart: number;
}

async function readInitIdentity(stateDir: string): Promise<InitIdentity | undefined> {
  try {
    const state = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as {
      pid?: unknown;
      pidStart?: unknown;
    };
    const { pid, pidStart } = state;
    if (typeof pid !== 'number' || pid <= 0 || typeof pidStart !== 'number') return undefined;
    return { pid, pidStart };
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks), counted after the `(comm)` field. */
export function startTimeOfStat(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const value = Number(fields[19]);
  return Number.isInteger(value) ? value : undefined;
}

async function processStartTime(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined ? undefined : startTimeOfStat(stat);
}

/**
 * Signals a container's init straight from the engine, as `tcrun kill` would but without a
 * process per signal: the pid comes from tcrun's state and is signalled only while its start
 * time still matches, so a reused pid is never hit. Returns false when the init is gone.
 */
export async function signalInit(stateDir: string, signal: number): Promise<boolean> {
  const init = await readInitIdentity(stateDir);
  if (!init) return false;
  const started = await processStartTime(init.pid);
  if (started === undefined || (init.pidStart !== 0 && started !== init.pidStart)) return false;
  try {
    process.kill(init.pid, signal);
    return true;
  } catch {
    return false;
  }
}
