import type { Command } from 'commander';
import { type LoadProjectOptions, loadProject } from '../compose/load-project.js';
import type { Project } from '../compose/model.js';
import { globalOptionsOf } from './global-options.js';

/** The project the global flags (-f, -p, --profile, --env-file, --project-directory) describe. */
export function projectFromOptions(
  command: Command,
  extra: Pick<LoadProjectOptions, 'services' | 'interpolate'> = {},
): Project {
  const global = globalOptionsOf(command);
  return loadProject({
    files: global.file,
    projectName: global.projectName,
    profiles: global.profile,
    envFiles: global.envFile,
    projectDirectory: global.projectDirectory,
    onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    ...extra,
  });
}
