import type { FieldPath } from './errors.js';
import type { SourceLookup } from './located-error.js';
import { type Lookup, toCommand, toEnvironmentMap } from './normalize-values.js';

type Raw = Record<string, unknown>;

export const HOOK_FIELDS = ['post_start', 'pre_start', 'pre_stop'] as const;

/**
 * Lifecycle hooks (post_start, pre_start, pre_stop): each step's command split as a
 * shell would and its environment as a map, like the service's own.
 */
export function normalizeHooks(
  raw: unknown,
  path: FieldPath,
  lookup: SourceLookup,
  environment: Lookup,
): Raw[] {
  return (raw as Raw[]).map((step, index) => {
    const hook: Raw = { ...step };
    if (step.command !== undefined && step.command !== null) {
      hook.command = toCommand(step.command, [...path, index, 'command'], lookup);
    }
    if (step.environment !== undefined)
      hook.environment = toEnvironmentMap(step.environment, environment);
    return hook;
  });
}
