import { fieldRules } from './field-rules.js';

/**
 * Fields whose schema type is not a string: after interpolation a string found there is
 * converted (as Compose does), so `read_only: ${RO:-false}` validates as a boolean.
 * Byte sizes, durations and file modes stay strings; normalization parses them.
 */
type Cast = 'integer' | 'number' | 'boolean';

const SERVICE_CASTS: [string, Cast][] = [
  ['cpu_count', 'integer'],
  ['cpu_percent', 'number'],
  ['cpu_period', 'integer'],
  ['cpu_quota', 'integer'],
  ['cpu_rt_period', 'integer'],
  ['cpu_rt_runtime', 'integer'],
  ['cpus', 'number'],
  ['cpu_shares', 'integer'],
  ['init', 'boolean'],
  ['depends_on.*.required', 'boolean'],
  ['depends_on.*.restart', 'boolean'],
  ['deploy.replicas', 'integer'],
  ['deploy.update_config.parallelism', 'integer'],
  ['deploy.update_config.max_failure_ratio', 'number'],
  ['deploy.rollback_config.parallelism', 'integer'],
  ['deploy.rollback_config.max_failure_ratio', 'number'],
  ['deploy.restart_policy.max_attempts', 'integer'],
  ['deploy.placement.max_replicas_per_node', 'integer'],
  ['healthcheck.retries', 'integer'],
  ['healthcheck.disable', 'boolean'],
  ['oom_kill_disable', 'boolean'],
  ['oom_score_adj', 'integer'],
  ['pids_limit', 'integer'],
  ['ports.*.target', 'integer'],
  ['privileged', 'boolean'],
  ['read_only', 'boolean'],
  ['scale', 'integer'],
  ['stdin_open', 'boolean'],
  ['tty', 'boolean'],
  ['ulimits.*', 'integer'],
  ['ulimits.*.hard', 'integer'],
  ['ulimits.*.soft', 'integer'],
  ['volumes.*.read_only', 'boolean'],
  ['volumes.*.volume.nocopy', 'boolean'],
];

const TOP_LEVEL_CASTS: [string, Cast][] = [
  ['networks.*.external', 'boolean'],
  ['networks.*.internal', 'boolean'],
  ['networks.*.attachable', 'boolean'],
  ['networks.*.enable_ipv4', 'boolean'],
  ['networks.*.enable_ipv6', 'boolean'],
  ['volumes.*.external', 'boolean'],
  ['secrets.*.external', 'boolean'],
  ['configs.*.external', 'boolean'],
];

/** The type a string found at `path` is converted to, if any. */
export const castFor = fieldRules<Cast>([
  ...SERVICE_CASTS.map(([pattern, cast]) => [`services.*.${pattern}`, cast] as const),
  ...TOP_LEVEL_CASTS,
]);

/** The converted value, or an error message when the string does not fit the type. */
export function castString(text: string, cast: Cast): { value: unknown } | { error: string } {
  switch (cast) {
    case 'integer':
      return /^[-+]?[0-9]+$/.test(text.trim())
        ? { value: Number.parseInt(text, 10) }
        : { error: `"${text}" is not an integer` };
    case 'number': {
      const value = Number(text);
      return text.trim() !== '' && Number.isFinite(value)
        ? { value }
        : { error: `"${text}" is not a number` };
    }
    case 'boolean':
      if (/^(?:y|yes|true|on)$/i.test(text)) return { value: true };
      if (/^(?:n|no|false|off)$/i.test(text)) return { value: false };
      return { error: `"${text}" is not a boolean (true or false)` };
  }
}
