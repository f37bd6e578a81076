import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { badParameter, conflict, notFound } from '../errors/engine-error.js';
import type { StdioEndpoint } from './containers/attach.js';
import type { ContainerManager } from './containers/manager.js';
import { mergeEnv } from './containers/merge-config.js';
import type { Runtime } from './containers/runtime.js';
import { resolveUser } from './containers/user.js';
import type { EventBus } from './events.js';
import { encodeFrame } from './stdio-framing.js';

export interface ExecConfig {
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  Cmd: string[];
  Env: string[];
  WorkingDir: string;
  User: string;
  Privileged: boolean;
}

interface ExecRecord {
  ID: string;
  ContainerID: string;
  Config: ExecConfig;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  started: boolean;
}

function readExecConfig(body: unknown): ExecConfig {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badParameter('invalid exec config: the body must be a JSON object');
  }
  const value = body as Record<string, unknown>;
  const flag = (key: string) => {
    const entry = value[key];
    if (entry !== undefined && entry !== null && typeof entry !== 'boolean') {
      throw badParameter(`invalid exec config: ${key} must be a boolean`);
    }
    return entry === true;
  };
  const strings = (key: string) => {
    const entry = value[key] ?? [];
    if (!Array.isArray(entry) || entry.some((item) => typeof item !== 'string')) {
      throw badParameter(`invalid exec config: ${key} must be a list of strings`);
    }
    return entry as string[];
  };
  const text = (key: string) => {
    const entry = value[key] ?? '';
    if (typeof entry !== 'string')
      throw badParameter(`invalid exec config: ${key} must be a string`);
    return entry;
  };
  const config: ExecConfig = {
    AttachStdin: flag('AttachStdin'),
    AttachStdout: flag('AttachStdout'),
    AttachStderr: flag('AttachStderr'),
    Tty: flag('Tty'),
    Cmd: strings('Cmd'),
    Env: strings('Env'),
    WorkingDir: text('WorkingDir'),
    User: text('User'),
    Privileged: flag('Privileged'),
  };
  if (config.Cmd.length === 0) throw badParameter('No exec command specified');
  if (config.Privileged) throw badParameter('privileged exec is not supported by this engine');
  return config;
}

/** Exec instances: processes started in running containers through `tcrun exec`. */
export class ExecManager {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(
    private readonly containers: ContainerManager,
    private readonly runtime: Runtime,
    private readonly events: EventBus,
  ) {}

  create(containerReference: string, body: unknown): { Id: string } {
    const live = this.containers.find(containerReference);
    const config = readExecConfig(body);
    if (!live.record.State.Running) {
      throw conflict(`container ${live.record.Id} is not running`);
    }
    if (live.record.State.Paused) {
      throw conflict(`container ${live.record.Id} is paused, unpause the container before exec`);
    }
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, {
      ID: id,
      ContainerID: live.record.Id,
      Config: config,
      Running: false,
      ExitCode: null,
      Pid: 0,
      started: false,
    });
    this.events.publish('container', `exec_create: ${config.Cmd.join(' ')}`, live.record.Id, {
      name: live.record.Name.slice(1),
      image: live.record.ImageName,
      execID: id,
    });
    return { Id: id };
  }

  get(id: string): ExecRecord {
    const exec = this.execs.get(id);
    if (!exec) throw notFound(`No such exec instance: ${id}`);
    return exec;
  }

  /** Checks an exec can start, before the caller commits to a stream. */
  prepare(id: string): ExecRecord {
    const exec = this.get(id);
    if (exec.started) throw conflict(`exec ${id} has already been started`);
    const live = this.containers.find(exec.ContainerID);
    if (!live.record.State.Running) throw conflict(`container ${exec.ContainerID} is not running`);
    return exec;
  }

  /** Starts the process; with an endpoint its stdio streams there, framed unless TTY. */
  async start(id: string, endpoint: StdioEndpoint | undefined, tty: boolean): Promise<void> {
    const exec = this.prepare(id);
    exec.started = true;
    const live = this.containers.find(exec.ContainerID);
    const container = live.record.Config;
    const userSpec = exec.Config.User || container.User || '';
    const user = userSpec
      ? // The rootfs exists only in the container's mount namespace: read it through its init.
        await resolveUser(`/proc/${live.record.State.Pid}/root`, userSpec)
      : undefined;
    const child = this.runtime.exec(exec.ContainerID, {
      args: exec.Config.Cmd,
      env: mergeEnv(container.Env, exec.Config.Env),
      cwd: exec.Config.WorkingDir || container.WorkingDir || undefined,
      user: user ? `${user.uid}:${user.gid}` : undefined,
      tty: tty || exec.Config.Tty,
    });
    exec.Running = true;
    exec.Pid = child.pid ?? 0;
    this.events.publish('container', `exec_start: ${exec.Config.Cmd.join(' ')}`, exec.ContainerID, {
      name: live.record.Name.slice(1),
      image: live.record.ImageName,
      execID: id,
    });
    const finished = this.finish(exec, child, live.record.Name.slice(1), live.record.ImageName);
    if (!endpoint) {
      child.stdin?.end();
      child.stdout?.resume();
      child.stderr?.resume();
      return;
    }
    this.connect(exec, child, endpoint, tty || exec.Config.Tty);
    void finished.then(() => endpoint.output.end());
    void endpoint.closed.then(() => {
      if (exec.Running) child.kill('SIGKILL');
    });
  }

  private connect(
    exec: ExecRecord,
    child: ChildProcess,
    endpoint: StdioEndpoint,
    tty: boolean,
  ): void {
    const forward = (stream: 1 | 2) => (chunk: Buffer) => {
      endpoint.output.write(tty ? chunk : encodeFrame(stream, chunk));
    };
    if (exec.Config.AttachStdout || !exec.Config.AttachStderr) child.stdout?.on('data', forward(1));
    else child.stdout?.resume();
    if (exec.Config.AttachStderr) child.stderr?.on('data', forward(2));
    else child.stderr?.resume();
    if (exec.Config.AttachStdin && endpoint.input)
      endpoint.input.pipe(child.stdin as NodeJS.WritableStream);
    else child.stdin?.end();
    child.stdin?.on('error', () => undefined);
  }

  private finish(
    exec: ExecRecord,
    child: ChildProcess,
    name: string,
    image: string,
  ): Promise<void> {
    return new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        exec.Running = false;
        exec.ExitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 126);
        this.events.publish('container', 'exec_die', exec.ContainerID, {
          name,
          image,
          execID: exec.ID,
          exitCode: String(exec.ExitCode),
        });
        resolve();
      };
      child.on('error', () => done(126, null));
      child.on('close', done);
    });
  }

  inspect(id: string): object {
    const exec = this.get(id);
    const [entrypoint, ...args] = exec.Config.Cmd;
    return {
      ID: exec.ID,
      Running: exec.Running,
      ExitCode: exec.ExitCode,
      ProcessConfig: {
        privileged: false,
        user: exec.Config.User,
        tty: exec.Config.Tty,
        entrypoint,
        arguments: args,
      },
      OpenStdin: exec.Config.AttachStdin,
      OpenStderr: exec.Config.AttachStderr,
      OpenStdout: exec.Config.AttachStdout,
      CanRemove: false,
      ContainerID: exec.ContainerID,
      DetachKeys: '',
      Pid: exec.Pid,
    };
  }

  /** Forgets the exec instances of a removed container. */
  forgetContainer(containerId: string): void {
    for (const [id, exec] of this.execs)
      if (exec.ContainerID === containerId) this.execs.delete(id);
  }
}
