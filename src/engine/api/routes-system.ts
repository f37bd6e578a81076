import { cpus, hostname, release, totalmem } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../context.js';
import { type EngineEvent, eventMatches, parseTimestampNano } from '../events.js';
import { directorySize } from '../volumes.js';
import { parseFilters } from './filters.js';
import { apiVersion, engineVersion, minApiVersion } from './server.js';

function versionBody() {
  const details = {
    ApiVersion: apiVersion,
    Arch: process.arch === 'x64' ? 'amd64' : process.arch,
    BuildTime: '',
    GitCommit: 'tcompose',
    GoVersion: `node${process.versions.node}`,
    KernelVersion: release(),
    MinAPIVersion: minApiVersion,
    Os: 'linux',
  };
  return {
    Platform: { Name: 'tcompose engine' },
    Components: [{ Name: 'Engine', Version: engineVersion, Details: details }],
    Version: engineVersion,
    ...details,
  };
}

function infoBody(engine: Engine, imageCount: number) {
  const containers = engine.containers.all().map((live) => live.record.State);
  const running = containers.filter((state) => state.Running && !state.Paused).length;
  const paused = containers.filter((state) => state.Paused).length;
  return {
    ID: engine.paths.root,
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: containers.length - running - paused,
    Images: imageCount,
    Driver: 'overlay2',
    DriverStatus: [['Backing Filesystem', 'overlayfs']],
    Plugins: {
      Volume: ['local'],
      Network: ['bridge', 'host', 'null'],
      Authorization: null,
      Log: ['json-file'],
    },
    MemoryLimit: true,
    SwapLimit: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: false,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: '1',
    NEventsListener: 0,
    KernelVersion: release(),
    OperatingSystem: 'tcompose engine',
    OSVersion: '',
    OSType: 'linux',
    Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
    IndexServerAddress: '',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] },
    NCPU: cpus().length,
    MemTotal: totalmem(),
    DockerRootDir: engine.paths.root,
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: engineVersion,
    Runtimes: { tcrun: { path: 'tcrun' } },
    DefaultRuntime: 'tcrun',
    Swarm: {
      NodeID: '',
      NodeAddr: '',
      LocalNodeState: 'inactive',
      ControlAvailable: false,
      Error: '',
      RemoteManagers: null,
    },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: 'tcrun',
    SecurityOptions: ['name=cgroupns'],
    Warnings: [],
  };
}

async function streamEvents(
  engine: Engine,
  request: { query: Record<string, string> },
  raw: import('node:http').ServerResponse,
) {
  const filters = parseFilters(request.query.filters);
  const since = parseTimestampNano(request.query.since);
  const until = parseTimestampNano(request.query.until);
  raw.writeHead(200, { 'Content-Type': 'application/json' });
  raw.flushHeaders();
  let unsubscribe = () => {};
  const finish = () => {
    unsubscribe();
    raw.end();
  };
  const send = (event: EngineEvent) => {
    if (until !== undefined && event.timeNano > until) return;
    if (eventMatches(event, filters)) raw.write(`${JSON.stringify(event)}\n`);
  };
  unsubscribe = engine.events.subscribe(since, send);
  raw.on('close', unsubscribe);
  if (until !== undefined) {
    const remainingMs = until / 1e6 - Date.now();
    if (remainingMs <= 0) finish();
    else setTimeout(finish, remainingMs).unref();
  }
}

export function registerSystemRoutes(app: FastifyInstance, engine: Engine): void {
  const ping = async (_request: unknown, reply: import('fastify').FastifyReply) => {
    reply.header('Cache-Control', 'no-cache, no-store, must-revalidate');
    reply.header('Pragma', 'no-cache');
    reply.header('Builder-Version', '1');
    reply.header('Swarm', 'inactive');
    reply.type('text/plain; charset=utf-8');
    return 'OK';
  };
  app.get('/_ping', ping);
  app.get('/version', async () => versionBody());
  app.get('/info', async () => infoBody(engine, (await engine.images().list()).length));
  app.get('/events', async (request, reply) => {
    reply.hijack();
    await streamEvents(engine, request as { query: Record<string, string> }, reply.raw);
  });
  app.get('/system/df', async () => {
    const images = await engine.images().list();
    const volumes = await Promise.all(
      engine.volumes.list().map(async (volume) => ({
        ...volume,
        UsageData: {
          Size: await directorySize(volume.Mountpoint),
          RefCount: engine.containers.volumeUsers(volume.Name).length,
        },
      })),
    );
    return {
      LayersSize: images.reduce((total, image) => total + image.size, 0),
      Images: images.map((image) => ({
        Id: image.id,
        ParentId: '',
        RepoTags: image.repoTags,
        RepoDigests: image.repoDigests,
        Created: Math.floor(Date.parse(image.created) / 1000),
        Size: image.size,
        SharedSize: -1,
        VirtualSize: image.size,
        Labels: image.config.config?.Labels ?? {},
        Containers: engine.containers.all().filter((live) => live.record.Image === image.id).length,
      })),
      Containers: engine.containers.all().map((live) => ({
        Id: live.record.Id,
        Names: [live.record.Name],
        Image: live.record.ImageName,
        ImageID: live.record.Image,
        Command: [live.record.Path, ...live.record.Args].join(' '),
        Created: Math.floor(Date.parse(live.record.Created) / 1000),
        State: live.record.State.Status,
        SizeRw: 0,
        SizeRootFs: 0,
        Labels: live.record.Config.Labels ?? {},
        Mounts: [],
      })),
      Volumes: volumes,
      BuildCache: [],
    };
  });
}
