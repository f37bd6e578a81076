import { type LoadProjectOptions, loadProject } from './compose/load-project.js';
import type { Project } from './compose/model.js';
import { ensureEngine } from './engine/autostart.js';
import { type DownOptions, downProject } from './scheduler/down.js';
import type { Reporter } from './scheduler/progress.js';
import { ProjectEngine } from './scheduler/project-engine.js';
import { type UpOptions, upProject } from './scheduler/up.js';
import { waitUntilReady } from './scheduler/wait-ready.js';

/** Where the project comes from and which engine runs it, for the library API. */
export interface ProjectTarget extends LoadProjectOptions {
  /** An engine address (unix:///path, tcp://host:port); default: DOCKER_HOST, else the embedded engine. */
  host?: string;
  /** Progress events; default: none. */
  onProgress?: Reporter;
}

export interface LibraryUpOptions extends ProjectTarget, Omit<UpOptions, 'services'> {
  /** Wait until every container runs and is healthy (like `up --wait`). */
  wait?: boolean;
  /** Milliseconds --wait may take; default 60 s. */
  waitTimeoutMs?: number;
}

export interface RunningProject {
  project: Project;
  /** Container names per service. */
  containers: Record<string, string[]>;
}

async function open(target: ProjectTarget) {
  const project = loadProject(target);
  const engine = new ProjectEngine(await ensureEngine({ host: target.host }));
  return { project, engine, report: target.onProgress ?? (() => {}) };
}

/**
 * `up -d` as a function, for integration-test suites: brings the project up and,
 * with `wait`, resolves once it is healthy.
 */
export async function up(options: LibraryUpOptions = {}): Promise<RunningProject> {
  const { project, engine, report } = await open(options);
  const result = await upProject(engine, project, options, report);
  if (options.wait) {
    await waitUntilReady(
      engine,
      Object.values(result.containers).flat(),
      options.waitTimeoutMs ?? 60_000,
    );
  }
  return { project, containers: result.containers };
}

/** `down` as a function: removes the project's containers and networks (and volumes with `volumes`). */
export async function down(options: ProjectTarget & DownOptions = {}): Promise<void> {
  const { project, engine, report } = await open(options);
  await downProject(engine, project, options, report);
}
