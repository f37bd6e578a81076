import { ComposeError } from './errors.js';
import type { Project, ServiceConfig } from './model.js';
import { serviceReferences } from './service-references.js';
import { didYouMean } from './suggest.js';

/**
 * The project narrowed to the named services and everything they need, as
 * `docker compose config web` or `up web` do. No names keeps every service.
 */
export function selectServices(project: Project, names: string[]): Project {
  if (names.length === 0) return project;
  const selected: Record<string, ServiceConfig> = {};
  const pending = [...names];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (selected[name]) continue;
    const service = project.services[name];
    if (!service) {
      throw new ComposeError(`no such service: ${name}`, {
        hint: didYouMean(name, Object.keys(project.services)),
      });
    }
    selected[name] = service;
    for (const reference of serviceReferences(service)) {
      if (project.services[reference.service]) pending.push(reference.service);
    }
  }
  const services = Object.fromEntries(
    Object.keys(project.services)
      .filter((n) => selected[n])
      .map((n) => [n, selected[n]]),
  );
  return { ...project, services };
}
