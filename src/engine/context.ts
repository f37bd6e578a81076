import type { Logger } from 'pino';
import type { ContainerManager } from './containers/manager.js';
import type { EventBus } from './events.js';
import type { ExecManager } from './exec.js';
import type { ImageStoreLike } from './image-access.js';
import type { BridgeAttacher } from './networking/bridge-attacher.js';
import type { EnginePaths } from './paths.js';
import type { VolumeManager } from './volumes.js';

/** Everything the API handlers reach: one engine instance's parts. */
export interface Engine {
  paths: EnginePaths;
  log: Logger;
  events: EventBus;
  volumes: VolumeManager;
  containers: ContainerManager;
  execs: ExecManager;
  images: () => ImageStoreLike;
  network: BridgeAttacher;
  startedAt: Date;
}
