import type { Command } from 'commander';
import { ensureEngine } from '../engine/autostart.js';
import { ProjectEngine } from '../scheduler/project-engine.js';
import { globalOptionsOf } from './global-options.js';

/** The engine a compose command talks to: --host / DOCKER_HOST, else the embedded one (started on demand). */
export async function connectProjectEngine(command: Command): Promise<ProjectEngine> {
  return new ProjectEngine(await ensureEngine({ host: globalOptionsOf(command).host }));
}
