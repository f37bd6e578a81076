import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../errors/engine-error.js';
import { tcrunPath } from '../../native/tcrun-path.js';
import { Spawner, type SpawnOptions, type SpawnResult } from './spawner.js';

/** The OCI state `tcrun state` prints. */
export interface RuntimeState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
}

export interface MonitorOptions {
  bundle: string;
  logPath: string;
  exitFile: string;
  attachSocket: string;
  stdinOnce: boolean;
}

export interface ExecOptions {
  args: string[];
  env: string[];
  cwd?: string;
  user?: string;
  tty: boolean;
  pidFile?: string;
}

function initPid(stdout: string): number {
  const pid = Number.parseInt(stdout, 10);
  if (!(pid > 0)) throw new EngineError(500, `tcrun printed no pid: ${JSON.stringify(stdout)}`);
  return pid;
}

let shared: Spawner | undefined;

/**
 * Runs a short program through the engine's one `tcrun spawner` (see spawner.ts): for
 * anything the engine runs often (mount, ip, nsenter...), so the engine never forks itself.
 */
export function runProgram(program: string, args: string[], input = ''): Promise<SpawnResult> {
  return sharedSpawner().run(program, args, { input });
}

function sharedSpawner(): Spawner {
  shared ??= new Spawner(tcrunPath());
  return shared;
}

/**
 * The engine's only door to the kernel for containers: tcrun, the OCI runtime whose
 * per-container monitor holds stdio, writes the log and records the exit status.
 */
export class Runtime {
  constructor(
    private readonly root: string,
    private readonly binary: string = tcrunPath(),
  ) {}

  private async run(args: string[], options: SpawnOptions = {}): Promise<string> {
    const result = await sharedSpawner().run(this.binary, ['--root', this.root, ...args], options);
    // Answered at the end of its output, a command can fail before its exit status is known:
    // its error line on stderr says so.
    if (result.status !== 0 || (options.answerAtEndOfOutput && result.stderr !== '')) {
      const detail = result.stderr.trim() || `exit status ${result.status}`;
      throw new EngineError(500, `tcrun ${args[0]}: ${detail}`);
    }
    return result.stdout;
  }

  /** Creates the container, waiting for start; its init's pid. */
  async create(id: string, options: MonitorOptions): Promise<number> {
    return initPid(await this.run(['create', ...this.monitorArgs(options), id]));
  }

  /**
   * Creates and starts in one call, for containers that need nothing between the two. The
   * spawner's fork becomes the monitor (--in-place) and is answered when it has printed the
   * pid and closed its output: no second fork and no hop back through an exiting tcrun.
   */
  async runDetached(id: string, options: MonitorOptions): Promise<number> {
    const args = ['run', '--detach', '--in-place', ...this.monitorArgs(options), id];
    return initPid(await this.run(args, { answerAtEndOfOutput: true }));
  }

  private monitorArgs(options: MonitorOptions): string[] {
    return [
      '--bundle',
      options.bundle,
      // The pid on stdout, which the spawner returns anyway: no file to write and read back.
      '--pid-file',
      '-',
      '--log-path',
      options.logPath,
      '--exit-file',
      options.exitFile,
      '--attach-socket',
      options.attachSocket,
      // The monitor deletes the container before it writes the exit file: nothing is left
      // for the engine to delete after an exit.
      '--rm',
      ...(options.stdinOnce ? ['--stdin-once'] : []),
    ];
  }

  async start(id: string): Promise<void> {
    await this.run(['start', id]);
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    try {
      return JSON.parse(await this.run(['state', id])) as RuntimeState;
    } catch {
      return undefined;
    }
  }

  async kill(id: string, signal: string, all = false): Promise<void> {
    await this.run(['kill', ...(all ? ['--all'] : []), id, signal]);
  }

  /** Forced, a container whose state is gone (its monitor deleted it at exit) needs no tcrun run. */
  async delete(id: string, force = false): Promise<void> {
    if (force && !existsSync(join(this.root, id))) return;
    await this.run(['delete', ...(force ? ['--force'] : []), id]);
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id]);
  }

  async list(): Promise<RuntimeState[]> {
    const output = await this.run(['list', '--format', 'json']);
    return output.trim() ? (JSON.parse(output) as RuntimeState[]) : [];
  }

  /** Runs a process in the container; its stdio and exit status pass through. */
  exec(id: string, options: ExecOptions): ChildProcess {
    const args = ['--root', this.root, 'exec'];
    if (options.pidFile) args.push('--pid-file', options.pidFile);
    for (const entry of options.env) args.push('--env', entry);
    if (options.cwd) args.push('--cwd', options.cwd);
    if (options.user) args.push('--user', options.user);
    if (options.tty) args.push('--tty');
    args.push(id, '--', ...options.args);
    return spawn(this.binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  }
}
