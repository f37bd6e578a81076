import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { startTimeOfStat } from './init-signal.js';

/**
 * Reads the exit status the monitor wrote (decimal; 128+N for a signal), if it did.
 * Synchronously: a few bytes, read as an exit is noticed, where four thread-pool round
 * trips would hold back whoever waits for the exit.
 */
export function readExitFile(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The monitor as tcrun's state records it (pid and kernel start time, so a reused pid is not
 * taken for it): alive, dead, or no state at all (not created yet, or deleted at the exit).
 */
async function monitorState(stateDir: string): Promise<'alive' | 'dead' | 'no state'> {
  let state: { monitorPid?: unknown; monitorStart?: unknown };
  try {
    state = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
  } catch {
    return 'no state';
  }
  const { monitorPid, monitorStart } = state;
  if (typeof monitorPid !== 'number' || monitorPid <= 0) return 'dead';
  const stat = await readFile(`/proc/${monitorPid}/stat`, 'utf8').catch(() => undefined);
  const started = stat === undefined ? undefined : startTimeOfStat(stat);
  const same = started !== undefined && (!monitorStart || started === monitorStart);
  return same ? 'alive' : 'dead';
}

/**
 * Notices a container's exit: inotify on its run directory for the exit file the monitor
 * writes atomically, with a slow poll as a safety net that also catches a monitor that
 * died without writing one (reported as 255, as Docker reports a lost process).
 */
export class ExitWatch {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  /** Whether a poll found the runtime state, and how many found it gone since. */
  private stateSeen = false;
  private pollsWithoutState = 0;

  /** `stateDir`: the container's directory in tcrun's root, where its monitor is recorded. */
  constructor(
    private readonly runDir: string,
    private readonly exitFile: string,
    private readonly stateDir: string,
    private readonly onExit: (status: number) => void,
  ) {}

  start(): void {
    try {
      this.watcher = watch(this.runDir, (_event, file) => {
        if (file === basename(this.exitFile)) void this.check();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // Without inotify the poll below still notices the exit.
    }
    this.timer = setInterval(() => void this.check(true), 1000);
    this.timer.unref();
    void this.check();
  }

  private async check(includeMonitor = false): Promise<void> {
    if (this.done) return;
    let status = readExitFile(this.exitFile);
    if (status === undefined && includeMonitor) {
      if (await this.monitorMayYetWrite()) return;
      status = readExitFile(this.exitFile) ?? 255;
    }
    if (status === undefined || this.done) return;
    this.stop();
    this.onExit(status);
  }

  /**
   * False once the monitor is known lost: dead, or its state gone (the monitor deletes it at
   * the exit, just before the exit file) without the exit file following by the next poll.
   * No state before any was seen is a container still being created.
   */
  private async monitorMayYetWrite(): Promise<boolean> {
    const monitor = await monitorState(this.stateDir);
    if (monitor === 'alive') this.stateSeen = true;
    if (monitor !== 'no state') return monitor === 'alive';
    return !this.stateSeen || this.pollsWithoutState++ === 0;
  }

  stop(): void {
    this.done = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }
}
