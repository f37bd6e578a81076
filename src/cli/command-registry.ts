import type { Command } from 'commander';
import { registerBuild } from './commands/build.js';
import { registerConfig } from './commands/config.js';
import { registerCp } from './commands/cp.js';
import { registerDown } from './commands/down.js';
import { registerEngine } from './commands/engine.js';
import { registerEvents } from './commands/events.js';
import { registerExec } from './commands/exec.js';
import { registerImage } from './commands/image.js';
import { registerImages } from './commands/images.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerLogs } from './commands/logs.js';
import { registerLs } from './commands/ls.js';
import { registerPort } from './commands/port.js';
import { registerPs } from './commands/ps.js';
import { registerPull } from './commands/pull.js';
import { registerRun } from './commands/run.js';
import { registerTop } from './commands/top.js';
import { registerUp } from './commands/up.js';
import { registerVersion } from './commands/version.js';
import { registerWait } from './commands/wait.js';

/**
 * Each command lives in its own file under commands/ and registers itself here
 * (main.ts loads this list only when the command line needs more than `config`.) */
export const commandRegistrations: ((program: Command) => void)[] = [
  registerVersion,
  registerConfig,
  registerUp,
  registerBuild,
  registerPull,
  registerDown,
  registerPs,
  registerLogs,
  registerImage,
  registerLifecycle,
  registerExec,
  registerCp,
  registerRun,
  registerTop,
  registerPort,
  registerLs,
  registerWait,
  registerEvents,
  registerImages,
  registerEngine,
];
