import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pino, { type Logger } from 'pino';
import { parseFirewallTool } from '../network/firewall-backend.js';
import { handleUpgrade } from './api/hijack.js';
import { registerArchiveRoutes } from './api/routes-archive.js';
import { registerBuildRoutes } from './api/routes-build.js';
import { registerContainerRoutes } from './api/routes-containers.js';
import { registerExecRoutes } from './api/routes-exec.js';
import { registerImageRoutes } from './api/routes-images.js';
import { registerNetworkRoutes } from './api/routes-networks.js';
import { registerStatsRoutes } from './api/routes-stats.js';
import { registerSystemRoutes } from './api/routes-system.js';
import { registerVolumeRoutes } from './api/routes-volumes.js';
import { createApiServer } from './api/server.js';
import { ContainerManager } from './containers/manager.js';
import { Runtime, runProgram } from './containers/runtime.js';
import type { Engine } from './context.js';
import { EventBus } from './events.js';
import { ExecManager } from './exec.js';
import { ImageStore } from './images/image-store.js';
import { acquireLock } from './lock.js';
import { BridgeAttacher } from './networking/bridge-attacher.js';
import { enginePaths } from './paths.js';
import { recoverContainers } from './recover.js';
import { Trash } from './state/trash.js';
import { VolumeManager } from './volumes.js';

export interface DaemonOptions {
  root: string;
  socket: string;
  log?: Logger;
  /**
   * Outbound NAT for bridge networks (ip_forward + masquerade), on by default as in Docker;
   * TCOMPOSE_IP_MASQ=0 turns it off (the test suites do, outside namespaces of their own).
   */
  ipMasquerade?: boolean;
  /** The firewall tool, iptables or nft (TCOMPOSE_FIREWALL); default: iptables when present, else nft. */
  firewall?: string;
}

export interface RunningDaemon {
  engine: Engine;
  close(): Promise<void>;
}

/**
 * Starts an engine: takes the data root's lock, rebuilds state from disk and from the
 * monitors, and serves the Docker Engine API on the unix socket (mode 0660).
 */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const log =
    options.log ?? pino({ level: process.env.TCOMPOSE_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const paths = enginePaths(options.root, options.socket);
  await mkdir(paths.root, { recursive: true, mode: 0o711 });
  const releaseLock = await acquireLock(paths.lockFile, paths.root);
  /** Closed again when the start fails after it opened. */
  let openedNetwork: BridgeAttacher | undefined;
  try {
    for (const dir of [paths.containers, paths.volumes, paths.run, paths.tcrunRoot]) {
      await mkdir(dir, { recursive: true });
    }
    const events = new EventBus();
    const trash = await Trash.open(join(paths.root, 'trash'), async (trees) => {
      await runProgram('rm', ['-rf', '--', ...trees]);
    });
    const imageStore = await ImageStore.open(paths.images, { trash });
    const images = () => imageStore;
    const runtime = new Runtime(paths.tcrunRoot);
    const network = await BridgeAttacher.open(paths, log, {
      events,
      ipMasquerade: options.ipMasquerade ?? process.env.TCOMPOSE_IP_MASQ !== '0',
      firewall: parseFirewallTool(options.firewall ?? process.env.TCOMPOSE_FIREWALL),
    });
    openedNetwork = network;
    const volumes = new VolumeManager(paths.volumes, events);
    await volumes.load();
    const containers = new ContainerManager({
      paths,
      runtime,
      images,
      volumes,
      events,
      network,
      log,
      trash,
    });
    network.useContainerLookup((reference) => containers.lookup(reference)?.record);
    const execs = new ExecManager(containers, runtime, events);
    const engine: Engine = {
      paths,
      log,
      events,
      volumes,
      containers,
      execs,
      images,
      network,
      startedAt: new Date(),
    };
    await recoverContainers(containers, runtime, paths, log);
    await network.restore(containers.all().map((live) => live.record));

    const app = createApiServer(log);
    registerSystemRoutes(app, engine);
    registerContainerRoutes(app, engine);
    registerArchiveRoutes(app, engine);
    registerStatsRoutes(app, engine);
    registerExecRoutes(app, engine);
    registerImageRoutes(app, engine);
    registerVolumeRoutes(app, engine);
    registerNetworkRoutes(app, engine);
    registerBuildRoutes(app, engine);
    app.server.on(
      'upgrade',
      (request, socket, head) => void handleUpgrade(engine, request, socket, head),
    );
    await mkdir(dirname(paths.socket), { recursive: true });
    await rm(paths.socket, { force: true });
    await app.listen({ path: paths.socket });
    await chmod(paths.socket, 0o660);
    log.info({ socket: paths.socket, root: paths.root, pid: process.pid }, 'engine listening');

    return {
      engine,
      async close() {
        containers.shutdown();
        app.server.closeAllConnections?.();
        await app.close();
        await network.close();
        await trash.settle();
        await rm(paths.socket, { force: true });
        await releaseLock();
        log.info('engine stopped');
      },
    };
  } catch (error) {
    await openedNetwork?.close().catch(() => undefined);
    await releaseLock();
    throw error;
  }
}
