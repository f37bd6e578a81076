import type { ChildProcess } from 'node:child_process';
import type { LiveContainer, ManagerDeps } from './manager.js';
import type { HealthConfig, HealthLogEntry } from './model.js';

const second = 1e9;
const defaults = {
  interval: 30 * second,
  timeout: 30 * second,
  retries: 3,
  startInterval: 5 * second,
};
const maxOutput = 4096;
const keptResults = 5;

/** The command a healthcheck runs: CMD as given, CMD-SHELL through /bin/sh -c. */
export function probeCommand(test: string[]): string[] | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  return undefined;
}

export interface HealthDecision {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
}

/**
 * Docker's health state machine: success makes healthy; a failure counts towards Retries
 * unless it falls inside the start period while the container was never healthy.
 */
export function nextHealth(
  current: HealthDecision,
  success: boolean,
  inStartPeriod: boolean,
  retries: number,
): HealthDecision {
  if (success) return { status: 'healthy', failingStreak: 0 };
  if (inStartPeriod && current.status === 'starting') return current;
  const failingStreak = current.failingStreak + 1;
  return {
    status: failingStreak >= retries ? 'unhealthy' : current.status,
    failingStreak,
  };
}

/** Runs a container's healthcheck by exec on Docker's schedule and records State.Health. */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private probe: ChildProcess | undefined;
  private stopped = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly live: LiveContainer,
    private readonly deps: ManagerDeps,
    private readonly save: () => Promise<void>,
  ) {}

  private get config(): HealthConfig {
    return this.live.record.Config.Healthcheck ?? {};
  }

  private inStartPeriod(): boolean {
    return (Date.now() - this.startedAt) * 1e6 < (this.config.StartPeriod ?? 0);
  }

  start(): void {
    this.live.record.State.Health = { Status: 'starting', FailingStreak: 0, Log: [] };
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const interval =
      this.inStartPeriod() && this.live.record.State.Health?.Status === 'starting'
        ? this.config.StartInterval || defaults.startInterval
        : this.config.Interval || defaults.interval;
    this.timer = setTimeout(() => void this.runProbe().then(() => this.schedule()), interval / 1e6);
    this.timer.unref();
  }

  private async runProbe(): Promise<void> {
    const command = probeCommand(this.config.Test ?? []);
    if (!command || this.stopped) return;
    const started = new Date();
    const timeoutMs = (this.config.Timeout || defaults.timeout) / 1e6;
    const record = this.live.record;
    const { exitCode, output } = await new Promise<{ exitCode: number; output: string }>(
      (resolve) => {
        const child = this.deps.runtime.exec(record.Id, {
          args: command,
          env: record.Config.Env ?? [],
          cwd: record.Config.WorkingDir || undefined,
          user: undefined,
          tty: false,
        });
        this.probe = child;
        let text = '';
        const collect = (chunk: Buffer) => {
          if (text.length < maxOutput) text += chunk.toString('utf8');
        };
        child.stdout?.on('data', collect);
        child.stderr?.on('data', collect);
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve({ exitCode: -1, output: `Health check exceeded timeout (${timeoutMs / 1000}s)` });
        }, timeoutMs);
        child.on('error', (error) => {
          clearTimeout(timer);
          resolve({ exitCode: -1, output: error.message });
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ exitCode: code ?? -1, output: text.slice(0, maxOutput) });
        });
      },
    );
    this.probe = undefined;
    if (this.stopped) return;
    this.record({
      Start: started.toISOString(),
      End: new Date().toISOString(),
      ExitCode: exitCode,
      Output: output,
    });
  }

  private record(entry: HealthLogEntry): void {
    const health = this.live.record.State.Health;
    if (!health) return;
    const before = health.Status;
    const next = nextHealth(
      {
        status: health.Status === 'none' ? 'starting' : health.Status,
        failingStreak: health.FailingStreak,
      },
      entry.ExitCode === 0,
      this.inStartPeriod(),
      this.config.Retries || defaults.retries,
    );
    health.Status = next.status;
    health.FailingStreak = next.failingStreak;
    health.Log = [...health.Log, entry].slice(-keptResults);
    void this.save();
    if (before !== next.status) {
      const record = this.live.record;
      this.deps.events.publish('container', `health_status: ${next.status}`, record.Id, {
        ...record.Config.Labels,
        image: record.ImageName,
        name: record.Name.slice(1),
      });
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.probe?.kill('SIGKILL');
  }
}
