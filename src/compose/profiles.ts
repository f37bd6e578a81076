import { ComposeError } from './errors.js';
import { errorAt, type SourceLookup } from './located-error.js';
import type { Project, ServiceConfig } from './model.js';
import { serviceReferences } from './service-references.js';
import { didYouMean } from './suggest.js';

export interface ProfileSelection {
  /** `--profile` values; when empty, COMPOSE_PROFILES applies. */
  flags: string[];
  /** COMPOSE_PROFILES, a comma-separated list. */
  environmentValue?: string;
  /** Services named on the command line: they are enabled along with their profiles. */
  explicitServices: string[];
}

/** The active profiles: the flags, else COMPOSE_PROFILES; `*` means every profile. */
export function activeProfiles(selection: ProfileSelection): string[] {
  const requested =
    selection.flags.length > 0
      ? selection.flags
      : (selection.environmentValue ?? '')
          .split(',')
          .map((profile) => profile.trim())
          .filter((profile) => profile !== '');
  return [...new Set(requested)];
}

function isEnabled(service: ServiceConfig, active: Set<string>): boolean {
  const profiles = service.profiles ?? [];
  return (
    profiles.length === 0 || active.has('*') || profiles.some((profile) => active.has(profile))
  );
}

/**
 * Keeps the services the active profiles enable. A service named on the command line
 * adds its profiles to the active set. A reference from an enabled service to a
 * disabled one is an error, except a depends_on marked `required: false`.
 */
export function applyProfiles(
  project: Project,
  selection: ProfileSelection,
  lookup: SourceLookup,
): Project {
  const active = new Set(activeProfiles(selection));
  for (const name of selection.explicitServices) {
    if (!project.services[name]) {
      throw new ComposeError(`no such service: ${name}`, {
        hint: didYouMean(name, Object.keys(project.services)),
      });
    }
    for (const profile of project.services[name]?.profiles ?? []) active.add(profile);
  }
  const services: Record<string, ServiceConfig> = {};
  const disabledServices: Record<string, ServiceConfig> = {};
  for (const [name, service] of Object.entries(project.services)) {
    if (isEnabled(service, active)) services[name] = service;
    else disabledServices[name] = service;
  }
  for (const [name, service] of Object.entries(services)) {
    services[name] = withoutDisabledReferences(service, disabledServices, lookup);
  }
  return { ...project, services, disabledServices, profiles: [...active].sort() };
}

/**
 * An optional dependency on a service that will not run is no dependency at all;
 * any other reference to one is an error.
 */
function withoutDisabledReferences(
  service: ServiceConfig,
  disabledServices: Record<string, ServiceConfig>,
  lookup: SourceLookup,
): ServiceConfig {
  let dependsOn = service.depends_on;
  for (const reference of serviceReferences(service)) {
    const target = disabledServices[reference.service];
    if (!target) continue;
    if (reference.optional && dependsOn) {
      const { [reference.service]: _dropped, ...rest } = dependsOn;
      dependsOn = rest;
      continue;
    }
    throw errorAt(
      lookup,
      reference.path,
      `service "${service.name}" ${reference.relation} service "${reference.service}", which its profiles disable`,
      `enable one of its profiles: ${(target.profiles ?? []).join(', ')}`,
    );
  }
  return dependsOn === service.depends_on ? service : { ...service, depends_on: dependsOn };
}
