export type { FieldPath, SourcePosition } from './compose/errors.js';
export { ComposeError, formatComposeError } from './compose/errors.js';
export { type LoadProjectOptions, loadProject } from './compose/load-project.js';
export type {
  BuildConfig,
  DependencyCondition,
  EnvFileReference,
  FileObjectConfig,
  FileReference,
  HealthcheckConfig,
  NetworkConfig,
  PortConfig,
  Project,
  ServiceConfig,
  ServiceDependency,
  ServiceNetworkConfig,
  Ulimit,
  VolumeConfig,
  VolumeMount,
  VolumeMountType,
} from './compose/model.js';
export { serviceScale } from './compose/model.js';
export { selectServices } from './compose/select-services.js';
export { type ConfigFormat, projectToConfigObject, serializeProject } from './compose/serialize.js';
export { formatDuration, parseByteSize, parseDuration } from './compose/units.js';
export {
  down,
  type LibraryUpOptions,
  type ProjectTarget,
  type RunningProject,
  up,
} from './project-api.js';
export {
  buildDependencyGraph,
  type DependencyEdge,
  startLevels,
  stopLevels,
} from './scheduler/dependency-graph.js';
