import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** Reads the exit status the monitor wrote (decimal; 128+N for a signal), if it did. */
export async function readExitFile(path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function monitorAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readPid(path: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
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

  constructor(
    private readonly runDir: string,
    private readonly exitFile: string,
    private readonly monitorPidFile: string,
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
    let status = await readExitFile(this.exitFile);
    if (status === undefined && includeMonitor) {
      if (monitorAlive(await readPid(this.monitorPidFile))) return;
      status = (await readExitFile(this.exitFile)) ?? 255;
    }
    if (status === undefined || this.done) return;
    this.stop();
    this.onExit(status);
  }

  stop(): void {
    this.done = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }
}
