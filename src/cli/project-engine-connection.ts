import type { Command } from 'commander';
import { ensureEngine } from '../engine/autostart.js';
import type { EngineClient } from '../engine/client.js';
import { ProjectEngine } from '../scheduler/project-engine.js';
import { globalOptionsOf } from './global-options.js';

/** The engine a command talks to: --host / DOCKER_HOST, else the embedded one (started on demand). */
export function connectEngine(command: Command): Promise<EngineClient> {
  return ensureEngine({ host: globalOptionsOf(command).host });
}

/** The same engine, seen through what a compose project needs of it. */
export async function connectProjectEngine(command: Command): Promise<ProjectEngine> {
  return new ProjectEngine(await connectEngine(command));
}
