import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { badParameter, conflict, EngineError, notFound } from '../../errors/engine-error.js';
import type { EventBus } from '../events.js';
import type { ImageStoreLike } from '../image-access.js';
import { containerRunDir, type EnginePaths } from '../paths.js';
import type { DirectoryPool } from '../state/dir-pool.js';
import { fillFile } from '../state/replace-file.js';
import { JsonStore } from '../state/store.js';
import type { Trash } from '../state/trash.js';
import type { VolumeManager } from '../volumes.js';
import { AutoRemovedExits } from './auto-removed.js';
import { containerDevices } from './devices.js';
import { ExitWatch } from './exit-watch.js';
import { HealthMonitor } from './health.js';
import { signalInit } from './init-signal.js';
import { mergeWithImage, processArgs } from './merge-config.js';
import {
  type ContainerRecord,
  cgroupPathOf,
  initialState,
  type MountPoint,
  shortId,
} from './model.js';
import { resolveMounts } from './mounts.js';
import { randomName } from './names.js';
import type { NetworkAttacher, NetworkPlan } from './network-attach.js';
import { checkRestartPolicy, nextBackoff, shouldRestart } from './restart-policy.js';
import { hardLimits } from './rlimits.js';
import type { MonitorOptions, Runtime } from './runtime.js';
import { securityOptions } from './seccomp.js';
import { SIGKILL, SIGTERM, signalNumber } from './signals.js';
import { buildSpec, type UserIds } from './spec.js';
import { refuseUnsupported } from './unsupported.js';
import { resolveUser } from './user.js';
import { type CreateRequest, validateCreateRequest, validContainerName } from './validate.js';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

interface Waiter {
  condition: WaitCondition;
  resolve: (result: WaitResult) => void;
}

/** What the engine holds in memory for a container besides its stored record. */
export interface LiveContainer {
  record: ContainerRecord;
  waiters: Waiter[];
  exitWatch?: ExitWatch;
  health?: HealthMonitor;
  /** Callbacks run right after the runtime created the container and before it starts. */
  /** Called with the attach socket, or with undefined when the start failed. */
  beforeStart: ((attachSocket: string | undefined) => Promise<void>)[];
  restartTimer?: NodeJS.Timeout;
  backoffMs: number;
  /** Serialises lifecycle operations on one container. */
  queue: Promise<unknown>;
  /** Runs once a stop in progress has seen the exit handled. */
  exited?: Promise<void>;
  markExited?: () => void;
  /** The files of the first start being made, after the create answered. */
  firstStartFiles?: Promise<void>;
}

export interface ContainerRunFiles {
  dir: string;
  exitFile: string;
  attachSocket: string;
}

export function runFiles(paths: EnginePaths, id: string): ContainerRunFiles {
  const dir = containerRunDir(paths, id);
  return {
    dir,
    exitFile: join(dir, 'exit'),
    attachSocket: join(dir, 'attach.sock'),
  };
}

/** Empties a run directory of what a previous run left (its exit file above all), making it if needed. */
function clearRunDir(dir: string, keep: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (name !== keep) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

export interface ManagerDeps {
  paths: EnginePaths;
  runtime: Runtime;
  images: () => ImageStoreLike;
  volumes: VolumeManager;
  events: EventBus;
  network: NetworkAttacher;
  log: Logger;
  /** Takes the directories of removed containers. */
  trash: Trash;
}

/**
 * Owns the containers: their records on disk, their lifecycle through tcrun, exits
 * noticed from the monitors, restart policies, waiters and events.
 */
export class ContainerManager {
  private readonly containers = new Map<string, LiveContainer>();
  private readonly autoRemoved = new AutoRemovedExits();
  private readonly store: JsonStore<ContainerRecord>;
  /** Removed containers' run directories, emptied, which first starts take instead of making one. */
  private readonly runPool: DirectoryPool;
  private shuttingDown = false;
  /** Config.User resolved against an image's unchanged /etc, by image id and user. */
  private readonly imageUsers = new Map<string, Promise<UserIds>>();

  constructor(private readonly deps: ManagerDeps) {
    // Saved at every create, start, exit and stop; what a power loss takes back is
    // reconciled with the runtime when the engine starts.
    this.store = new JsonStore(deps.paths.containers, 'config.json', {
      durable: false,
      trash: deps.trash,
      // Written over at every start (fillFile), so a reused directory's old ones do.
      keep: ['hostname', 'hosts', 'resolv.conf'],
    });
    // Its bundle's config.json too is written over at every start.
    this.runPool = deps.trash.pool('run', ['config.json']);
    deps.volumes.setUsageLookup((name) => this.volumeUsers(name));
  }

  async load(): Promise<LiveContainer[]> {
    for (const record of await this.store.loadAll()) {
      this.containers.set(record.Id, this.live(record));
    }
    return [...this.containers.values()];
  }

  private live(record: ContainerRecord): LiveContainer {
    return { record, waiters: [], beforeStart: [], backoffMs: 0, queue: Promise.resolve() };
  }

  all(): LiveContainer[] {
    return [...this.containers.values()];
  }

  /** Finds a container by full id, name (with or without /), or unique id prefix. */
  find(reference: string): LiveContainer {
    const found = this.lookup(reference);
    if (!found) throw notFound(`No such container: ${reference}`);
    return found;
  }

  lookup(reference: string): LiveContainer | undefined {
    if (!reference) return undefined;
    const exact = this.containers.get(reference);
    if (exact) return exact;
    const name = reference.startsWith('/') ? reference : `/${reference}`;
    for (const live of this.containers.values()) if (live.record.Name === name) return live;
    if (!/^[0-9a-f]+$/.test(reference)) return undefined;
    const matches = this.all().filter((live) => live.record.Id.startsWith(reference));
    if (matches.length > 1)
      throw badParameter(`multiple IDs found with provided prefix: ${reference}`);
    return matches[0];
  }

  private nameTaken(name: string): LiveContainer | undefined {
    for (const live of this.containers.values()) if (live.record.Name === name) return live;
    return undefined;
  }

  /** Lets go of the volumes of a container that stopped (tmpfs volumes unmount when unused). */
  private async releaseVolumes(record: ContainerRecord): Promise<void> {
    for (const point of record.Mounts) {
      if (!point.Name) continue;
      const stillRunning = this.all().some(
        (other) =>
          other.record.Id !== record.Id &&
          other.record.State.Running &&
          other.record.Mounts.some((mount) => mount.Name === point.Name),
      );
      await this.deps.volumes.release(point.Name, stillRunning).catch(() => undefined);
    }
  }

  volumeUsers(volume: string): string[] {
    return this.all()
      .filter((live) =>
        live.record.Mounts.some((point) => point.Type === 'volume' && point.Name === volume),
      )
      .map((live) => live.record.Id);
  }

  async save(record: ContainerRecord): Promise<void> {
    await this.store.save(record.Id, record);
  }

  private emit(live: LiveContainer, action: string, extra: Record<string, string> = {}): void {
    const record = live.record;
    this.deps.events.publish('container', action, record.Id, {
      ...record.Config.Labels,
      image: record.ImageName,
      name: record.Name.slice(1),
      ...extra,
    });
  }

  /** Runs lifecycle operations on one container one at a time. */
  private serial<T>(live: LiveContainer, operation: () => Promise<T>): Promise<T> {
    const next = live.queue.then(operation, operation);
    live.queue = next.catch(() => undefined);
    return next;
  }

  async create(
    nameParameter: string | undefined,
    body: unknown,
  ): Promise<{ Id: string; Warnings: string[] }> {
    const request = validateCreateRequest(body);
    const name = this.checkName(nameParameter);
    const image = await this.deps.images().get(request.config.Image as string);
    if (!image) throw notFound(`No such image: ${request.config.Image}`);
    const config = mergeWithImage(request.config, image.config.config ?? {});
    const { path, args } = processArgs(config);
    checkRestartPolicy(request.hostConfig.RestartPolicy, request.hostConfig.AutoRemove === true);
    this.checkNetworkMode(request);
    const logType = request.hostConfig.LogConfig?.Type;
    if (logType && logType !== 'json-file') {
      throw badParameter(`logging driver "${logType}" is not supported (json-file only)`);
    }
    refuseUnsupported(request.hostConfig);
    securityOptions(request.hostConfig.SecurityOpt, []);
    const id = randomBytes(32).toString('hex');
    const record: ContainerRecord = {
      Id: id,
      Name: name,
      Created: new Date().toISOString(),
      Path: path,
      Args: args,
      Image: image.id,
      ImageName: request.config.Image as string,
      Config: config,
      HostConfig: request.hostConfig,
      Networks: {},
      NetworkingConfig: request.networkingConfig as ContainerRecord['NetworkingConfig'],
      State: initialState(),
      RestartCount: 0,
      Mounts: [],
      LogPath: join(this.store.objectDir(id), `${id}-json.log`),
      ManuallyStopped: false,
    };
    const live = this.live(record);
    this.containers.set(id, live);
    try {
      record.Mounts = await resolveMounts(config, request.hostConfig, this.deps.volumes);
      await Promise.all([
        this.deps.images().createSnapshot(id, image.id, name.slice(1), { initLayer: true }),
        this.store.create(id, record),
      ]);
    } catch (error) {
      this.containers.delete(id);
      await this.deps
        .images()
        .removeSnapshot(id)
        .catch(() => undefined);
      await this.store.remove(id);
      throw error;
    }
    this.emit(live, 'create');
    live.firstStartFiles = this.makeFirstStartFiles(record);
    return { Id: id, Warnings: [] };
  }

  /**
   * Makes the files a start fills (empty: the /etc files, the log, the run directory and its
   * config.json) once the create has answered, while the client sends the start: they are
   * then written in place, off the start's way. A file missing after all (an engine
   * restarted in between) is created by the start.
   */
  private makeFirstStartFiles(record: ContainerRecord): Promise<void> {
    const dir = this.store.objectDir(record.Id);
    const run = runFiles(this.deps.paths, record.Id).dir;
    return new Promise((resolve) => {
      setImmediate(() => {
        try {
          this.runPool.take(run);
          for (const file of ['hostname', 'hosts', 'resolv.conf']) {
            writeFileSync(join(dir, file), '', { flag: 'a' });
          }
          writeFileSync(record.LogPath, '', { flag: 'a', mode: 0o640 });
          writeFileSync(join(run, 'config.json'), '', { flag: 'a' });
        } catch (error) {
          this.deps.log.debug({ err: error, id: record.Id }, 'files for the first start');
        }
        resolve();
      });
    });
  }

  private checkName(nameParameter: string | undefined): string {
    if (nameParameter === undefined || nameParameter === '') {
      return `/${randomName((candidate) => this.nameTaken(`/${candidate}`) !== undefined)}`;
    }
    if (!validContainerName.test(nameParameter)) {
      throw badParameter(
        `Invalid container name (${nameParameter}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      );
    }
    const name = nameParameter.startsWith('/') ? nameParameter : `/${nameParameter}`;
    const holder = this.nameTaken(name);
    if (holder) {
      throw conflict(
        `Conflict. The container name "${name}" is already in use by container "${holder.record.Id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    return name;
  }

  private checkNetworkMode(request: CreateRequest): void {
    this.deps.network.checkMode(request.hostConfig.NetworkMode);
  }

  // ---- start ---------------------------------------------------------------------------

  async start(reference: string): Promise<'started' | 'already'> {
    const live = this.find(reference);
    return this.serial(live, async () => {
      if (live.record.State.Running) return 'already';
      if (live.record.State.Status === 'removing')
        throw conflict('container is marked for removal and cannot be started');
      live.record.ManuallyStopped = false;
      try {
        await this.startNow(live);
      } catch (error) {
        // As Docker does: an auto-remove container that cannot start is removed.
        if (live.record.HostConfig.AutoRemove) await this.removeNow(live, true);
        throw error;
      }
      return 'started';
    });
  }

  private writeEtcFiles(record: ContainerRecord, plan: NetworkPlan) {
    const dir = this.store.objectDir(record.Id);
    const hostname = record.Config.Hostname || shortId(record.Id);
    const extraHosts = (record.HostConfig.ExtraHosts ?? []).map((entry) => {
      const at = entry.indexOf(':');
      return `${entry.slice(at + 1)}\t${entry.slice(0, at)}`;
    });
    const hosts = [
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      ...plan.hosts,
      ...extraHosts,
    ];
    if (plan.namespace === undefined) hosts.push(`127.0.1.1\t${hostname}`);
    const nameservers = record.HostConfig.Dns?.length ? record.HostConfig.Dns : plan.nameservers;
    const resolv = [
      ...nameservers.map((server) => `nameserver ${server}`),
      ...(record.HostConfig.DnsSearch?.length
        ? [`search ${record.HostConfig.DnsSearch.join(' ')}`]
        : []),
      ...(record.HostConfig.DnsOptions?.length
        ? [`options ${record.HostConfig.DnsOptions.join(' ')}`]
        : []),
    ];
    const files = {
      hostname: join(dir, 'hostname'),
      hosts: join(dir, 'hosts'),
      resolvConf: join(dir, 'resolv.conf'),
    };
    // Small files on every start: synchronous, as writeFileAtomic explains.
    fillFile(files.hostname, `${hostname}\n`);
    fillFile(files.hosts, `${hosts.join('\n')}\n`);
    fillFile(files.resolvConf, resolv.length ? `${resolv.join('\n')}\n` : '');
    return files;
  }

  private async mountSources(record: ContainerRecord): Promise<Map<MountPoint, string>> {
    const sources = new Map<MountPoint, string>();
    for (const point of record.Mounts) {
      if (point.Type !== 'volume' || !point.Name) continue;
      const volume = this.deps.volumes.find(point.Name);
      if (!volume) throw notFound(`get ${point.Name}: no such volume`);
      sources.set(point, await this.deps.volumes.hostPath(volume));
    }
    return sources;
  }

  /**
   * The uid, gid and groups of Config.User from the image's /etc/passwd and /etc/group
   * (root's groups when empty). Layers never change, so the answer is kept per image while
   * the container has not changed /etc; else its rootfs is mounted on the host to read.
   */
  private async containerUser(record: ContainerRecord): Promise<UserIds> {
    const spec = record.Config.User ?? '';
    const images = this.deps.images();
    if (await images.snapshotChanged(record.Id, 'etc')) {
      return images.withSnapshotMounted(record.Id, (rootfs) => resolveUser(rootfs, spec));
    }
    // The promise is kept, so containers of one image starting together share one lookup.
    const key = `${record.Image} ${spec}`;
    let ids = this.imageUsers.get(key);
    if (!ids) {
      ids = images.withSnapshotMounted(record.Id, (rootfs) => resolveUser(rootfs, spec));
      this.imageUsers.set(key, ids);
      ids.catch(() => this.imageUsers.delete(key));
    }
    return ids;
  }

  /** Writes config.json, creates through tcrun (which mounts the rootfs), plugs the network, starts. */
  private async startNow(live: LiveContainer): Promise<void> {
    const { record } = live;
    const { runtime, images, network, paths } = this.deps;
    const files = runFiles(paths, record.Id);
    await live.firstStartFiles;
    // A few entries at most: synchronously, as writeFileAtomic explains for small files.
    clearRunDir(files.dir, 'config.json');
    let created = false;
    let attachers: LiveContainer['beforeStart'] = [];
    try {
      const [user, plan] = await Promise.all([this.containerUser(record), network.prepare(record)]);
      const snapshot = images().useSnapshot(record.Id);
      const etcFiles = this.writeEtcFiles(record, plan);
      const mountSources = await this.mountSources(record);
      const spec = buildSpec({
        container: record,
        rootfs: snapshot,
        user,
        mountSources,
        networkNamespace: plan.namespace,
        etcFiles,
        cgroupsPath: cgroupPathOf(record.Id),
        hardLimits: hardLimits(),
        devices: containerDevices(record.HostConfig.Devices),
      });
      // The bundle is the run directory: regenerated at every start (a plain write is enough),
      // and one directory less to make.
      fillFile(join(files.dir, 'config.json'), JSON.stringify(spec));
      const monitor = {
        bundle: files.dir,
        logPath: record.LogPath,
        exitFile: files.exitFile,
        attachSocket: files.attachSocket,
        stdinOnce: record.Config.StdinOnce === true,
      };
      attachers = live.beforeStart.splice(0);
      this.watchExit(live);
      created = true;
      const running = {
        Status: 'running',
        Running: true,
        Paused: false,
        Restarting: false,
        ExitCode: 0,
        Error: '',
        StartedAt: new Date().toISOString(),
      } as const;
      const [pid] = await Promise.all([
        this.createAndStart(live, monitor, attachers),
        // Saved as running while tcrun works, its request already sent: should the engine
        // die before tcrun answers, recovery finds the container by this record and asks
        // the runtime whether it runs (and its pid, saved with the next change). A start
        // that fails saves its failure over it.
        this.save({
          ...record,
          Networks: plan.networks,
          State: { ...record.State, ...running, Pid: 0 },
        }),
      ]);
      record.Networks = plan.networks;
      Object.assign(record.State, { ...running, Pid: pid });
      this.emit(live, 'start');
      if (record.Config.Healthcheck?.Test?.length && record.Config.Healthcheck.Test[0] !== 'NONE') {
        live.health = new HealthMonitor(live, this.deps, () => this.save(record));
        live.health.start();
      }
    } catch (error) {
      live.exitWatch?.stop();
      if (created) await runtime.delete(record.Id, true).catch(() => undefined);
      await network.detach(record).catch(() => undefined);
      images().releaseSnapshot(record.Id);
      record.State.Error = error instanceof Error ? error.message : String(error);
      record.State.ExitCode = 128;
      // Whoever waited for this start learns that it failed.
      for (const connect of [...attachers, ...live.beforeStart.splice(0)]) {
        await connect(undefined).catch(() => undefined);
      }
      const failed: WaitResult = { StatusCode: 128, Error: { Message: record.State.Error } };
      live.waiters = live.waiters.filter((waiter) => {
        if (waiter.condition === 'removed') return true;
        waiter.resolve(failed);
        return false;
      });
      await this.save(record).catch(() => undefined);
      throw error instanceof EngineError ? error : new EngineError(500, record.State.Error);
    }
  }

  /** Has tcrun create and start the container; its init's pid. */
  private async createAndStart(
    live: LiveContainer,
    monitor: MonitorOptions,
    attachers: LiveContainer['beforeStart'],
  ): Promise<number> {
    const { runtime, network } = this.deps;
    if (attachers.length === 0 && !network.attach)
      return runtime.runDetached(live.record.Id, monitor);
    // Something must happen between create and start: plugging the network into the
    // new namespaces, or clients attaching so they see the first byte of output.
    const pid = await runtime.create(live.record.Id, monitor);
    await network.attach?.(live.record, pid);
    await Promise.all(
      attachers.map((connect) => connect(monitor.attachSocket).catch(() => undefined)),
    );
    await runtime.start(live.record.Id);
    return pid;
  }

  /** Recovery: a container still running from before the engine started is followed again. */
  adoptRunning(live: LiveContainer): void {
    try {
      this.deps.images().useSnapshot(live.record.Id);
    } catch (error) {
      this.deps.log.warn({ err: error, id: live.record.Id }, 'no snapshot for a running container');
    }
    this.watchExit(live);
  }

  /** Follows a running container to its exit; used at start and when recovering. */
  watchExit(live: LiveContainer): void {
    const files = runFiles(this.deps.paths, live.record.Id);
    live.exitWatch?.stop();
    live.exited = new Promise((resolve) => {
      live.markExited = resolve;
    });
    const stateDir = join(this.deps.paths.tcrunRoot, live.record.Id);
    live.exitWatch = new ExitWatch(files.dir, files.exitFile, stateDir, (status) => {
      void this.serial(live, () => this.handleExit(live, status)).catch((error) =>
        this.deps.log.error({ err: error, id: live.record.Id }, 'exit handling failed'),
      );
    });
    live.exitWatch.start();
  }

  /** Cleans up after an exit, records it, wakes waiters, and restarts or removes as asked. */
  private async handleExit(live: LiveContainer, status: number): Promise<void> {
    const { record } = live;
    const { runtime, images, network } = this.deps;
    live.health?.stop();
    live.health = undefined;
    await runtime.delete(record.Id, true).catch(() => undefined);
    await network.detach(record).catch(() => undefined);
    images().releaseSnapshot(record.Id);
    await this.releaseVolumes(record);
    const ranForMs = Date.now() - Date.parse(record.State.StartedAt);
    Object.assign(record.State, {
      Status: 'exited',
      Running: false,
      Paused: false,
      Restarting: false,
      Pid: 0,
      ExitCode: status,
      FinishedAt: new Date().toISOString(),
    });
    this.emit(live, 'die', { exitCode: String(status) });
    const result: WaitResult = { StatusCode: status, Error: null };
    live.waiters = live.waiters.filter((waiter) => {
      if (waiter.condition === 'removed') return true;
      waiter.resolve(result);
      return false;
    });
    live.markExited?.();
    // The waiters' answers go out before the record is saved (synchronously, see
    // writeFileAtomic): a `wait` then a `rm` need not wait for the disk in between.
    await new Promise((resolve) => setImmediate(resolve));
    const restart =
      !this.shuttingDown &&
      shouldRestart(
        record.HostConfig.RestartPolicy,
        status,
        record.RestartCount,
        record.ManuallyStopped,
      );
    if (record.HostConfig.AutoRemove && !restart) {
      await this.save(record);
      await this.removeNow(live, true);
      this.autoRemoved.remember(record.Id, record.Name, status);
      return;
    }
    if (restart) {
      live.backoffMs = nextBackoff(live.backoffMs, ranForMs);
      record.State.Restarting = true;
      record.State.Status = 'restarting';
      live.restartTimer = setTimeout(() => {
        live.restartTimer = undefined;
        void this.serial(live, async () => {
          if (!record.State.Restarting || !this.containers.has(record.Id)) return;
          record.RestartCount++;
          await this.startNow(live).catch((error) => {
            record.State.Restarting = false;
            record.State.Status = 'exited';
            this.deps.log.warn({ err: error, id: record.Id }, 'restart failed');
          });
          this.emit(live, 'restart');
        });
      }, live.backoffMs);
    }
    await this.save(record);
  }

  // ---- stop, kill, restart -------------------------------------------------------------

  async stop(
    reference: string,
    timeoutSeconds?: number,
    signal?: string,
  ): Promise<'stopped' | 'already'> {
    const live = this.find(reference);
    const record = live.record;
    if (record.State.Restarting) {
      this.cancelRestart(live);
      record.ManuallyStopped = true;
      await this.save(record);
      return 'stopped';
    }
    if (!record.State.Running) return 'already';
    record.ManuallyStopped = true;
    await this.save(record);
    const stopSignal = signalNumber(signal ?? record.Config.StopSignal, SIGTERM);
    const timeout = timeoutSeconds ?? record.Config.StopTimeout ?? 10;
    await this.signalAndWait(live, stopSignal, timeout);
    this.emit(live, 'stop');
    return 'stopped';
  }

  private cancelRestart(live: LiveContainer): void {
    if (live.restartTimer) clearTimeout(live.restartTimer);
    live.restartTimer = undefined;
    live.record.State.Restarting = false;
    live.record.State.Status = 'exited';
  }

  /** Sends a signal, then SIGKILL if the container is still up after the timeout (-1: wait forever). */
  private async signalAndWait(
    live: LiveContainer,
    signal: number,
    timeoutSeconds: number,
  ): Promise<void> {
    const { runtime } = this.deps;
    const exited = live.exited ?? Promise.resolve();
    if (live.record.State.Paused) await runtime.resume(live.record.Id).catch(() => undefined);
    await this.signal(live.record.Id, signal).catch(() => undefined);
    if (signal === SIGKILL) {
      await exited;
      return;
    }
    const timedOut = await Promise.race([
      exited.then(() => false),
      ...(timeoutSeconds >= 0
        ? [
            new Promise<boolean>((resolve) =>
              setTimeout(() => resolve(true), timeoutSeconds * 1000),
            ),
          ]
        : []),
    ]);
    if (timedOut) {
      await runtime.kill(live.record.Id, String(SIGKILL), true).catch(() => undefined);
      await exited;
    }
  }

  async kill(reference: string, signal?: string): Promise<void> {
    const live = this.find(reference);
    if (!live.record.State.Running) {
      throw conflict(
        `cannot kill container: ${reference}: container ${live.record.Id} is not running`,
      );
    }
    const number = signalNumber(signal, SIGKILL);
    const stopSignal = signalNumber(live.record.Config.StopSignal, SIGTERM);
    if (number === SIGKILL || number === stopSignal) {
      live.record.ManuallyStopped = true;
      await this.save(live.record);
    }
    await this.signal(live.record.Id, number);
    this.emit(live, 'kill', { signal: String(number) });
  }

  /** Signals the init directly; tcrun kill only when its state does not name a live init (it explains why). */
  private async signal(id: string, signal: number): Promise<void> {
    if (await signalInit(join(this.deps.paths.tcrunRoot, id), signal)) return;
    await this.deps.runtime.kill(id, String(signal));
  }

  async restart(reference: string, timeoutSeconds?: number, signal?: string): Promise<void> {
    const live = this.find(reference);
    if (live.record.State.Running) await this.stop(reference, timeoutSeconds, signal);
    else this.cancelRestart(live);
    await this.start(live.record.Id);
    this.emit(live, 'restart');
  }

  async pause(reference: string): Promise<void> {
    const live = this.find(reference);
    if (!live.record.State.Running) throw conflict(`Container ${live.record.Id} is not running`);
    if (live.record.State.Paused) throw conflict(`Container ${live.record.Id} is already paused`);
    await this.deps.runtime.pause(live.record.Id);
    Object.assign(live.record.State, { Paused: true, Status: 'paused' });
    await this.save(live.record);
    this.emit(live, 'pause');
  }

  async unpause(reference: string): Promise<void> {
    const live = this.find(reference);
    if (!live.record.State.Paused) throw conflict(`Container ${live.record.Id} is not paused`);
    await this.deps.runtime.resume(live.record.Id);
    Object.assign(live.record.State, { Paused: false, Status: 'running' });
    await this.save(live.record);
    this.emit(live, 'unpause');
  }

  // ---- remove, rename, wait ------------------------------------------------------------

  async remove(reference: string, force: boolean, removeVolumes: boolean): Promise<void> {
    const live = this.find(reference);
    const record = live.record;
    if (record.State.Running || record.State.Restarting) {
      if (!force) {
        throw conflict(
          `cannot remove container "${record.Name}": container is ${record.State.Paused ? 'paused' : 'running'}: stop the container before removing or force remove`,
        );
      }
      this.cancelRestart(live);
      if (record.State.Running) {
        record.ManuallyStopped = true;
        await this.signalAndWait(live, SIGKILL, 0);
      }
    }
    await this.serial(live, () => this.removeNow(live, removeVolumes));
  }

  private async removeNow(live: LiveContainer, removeVolumes: boolean): Promise<void> {
    const { record } = live;
    if (!this.containers.has(record.Id)) return;
    record.State.Status = 'removing';
    live.exitWatch?.stop();
    // Its files must not be made again once it is gone.
    await live.firstStartFiles;
    await Promise.all([
      this.deps.images().removeSnapshot(record.Id),
      this.runPool.give(runFiles(this.deps.paths, record.Id).dir),
    ]);
    // The record goes last: a removal that failed before leaves a container to remove again.
    this.containers.delete(record.Id);
    await this.store.remove(record.Id);
    if (removeVolumes) {
      for (const point of record.Mounts) {
        const volume = point.Name ? this.deps.volumes.find(point.Name) : undefined;
        if (volume?.anonymous && !this.deps.volumes.inUse(volume.Name)) {
          await this.deps.volumes.remove(volume.Name).catch(() => undefined);
        }
      }
    }
    this.emit(live, 'destroy');
    for (const waiter of live.waiters.splice(0)) {
      waiter.resolve({ StatusCode: record.State.ExitCode, Error: null });
    }
  }

  async rename(reference: string, newName: string): Promise<void> {
    const live = this.find(reference);
    if (!newName) throw badParameter('Neither old nor new names may be empty');
    const name = this.checkName(newName);
    const oldName = live.record.Name;
    live.record.Name = name;
    await this.save(live.record);
    this.emit(live, 'rename', { oldName });
  }

  /** Resolves when the condition holds: Docker's wait, whose headers the caller sends first. */
  wait(reference: string, condition: WaitCondition): Promise<WaitResult> {
    const live = this.lookup(reference);
    if (!live) {
      const exitCode = this.autoRemoved.exitCodeOf(reference);
      if (exitCode === undefined) throw notFound(`No such container: ${reference}`);
      return Promise.resolve({ StatusCode: exitCode, Error: null });
    }
    const record = live.record;
    if (condition === 'not-running' && !record.State.Running && !record.State.Restarting) {
      return Promise.resolve({ StatusCode: record.State.ExitCode, Error: null });
    }
    return new Promise((resolve) => live.waiters.push({ condition, resolve }));
  }

  /** Registers a callback to connect to the monitor before the next start. */
  onNextStart(
    live: LiveContainer,
    connect: (attachSocket: string | undefined) => Promise<void>,
  ): () => void {
    live.beforeStart.push(connect);
    return () => {
      const at = live.beforeStart.indexOf(connect);
      if (at >= 0) live.beforeStart.splice(at, 1);
    };
  }

  async prune(filters: Record<string, string[]>, matches: (record: ContainerRecord) => boolean) {
    const deleted: string[] = [];
    void filters;
    for (const live of this.all()) {
      const state = live.record.State;
      if (state.Running || state.Restarting || !matches(live.record)) continue;
      await this.remove(live.record.Id, false, false);
      deleted.push(live.record.Id);
    }
    return { ContainersDeleted: deleted, SpaceReclaimed: 0 };
  }

  /** Leaves containers running (they outlive the engine) and stops timers. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const live of this.containers.values()) {
      live.exitWatch?.stop();
      live.health?.stop();
      if (live.restartTimer) clearTimeout(live.restartTimer);
    }
  }

  /** Recovery: a container found stopped while the engine was away, handled as an exit now. */
  async recordExit(live: LiveContainer, status: number): Promise<void> {
    await this.serial(live, () => this.handleExit(live, status));
  }

  async startForRecovery(live: LiveContainer): Promise<void> {
    await this.serial(live, () => this.startNow(live));
  }
}
