#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
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
import { registerVersion, tcomposeVersion } from './commands/version.js';
import { registerWait } from './commands/wait.js';
import { addGlobalOptions } from './global-options.js';
import { renderError } from './render-error.js';

/** Each command lives in its own file under commands/ and registers itself here. */
const commandRegistrations: ((program: Command) => void)[] = [
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

export function buildProgram(): Command {
  const program = new Command('tcompose')
    .description('Compose-first multi-container orchestrator with an embedded engine')
    .version(tcomposeVersion, '--version')
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError(false);
  addGlobalOptions(program);
  for (const register of commandRegistrations) register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    process.stderr.write(`${renderError(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv);
