import type { Project, ServiceConfig } from '../compose/model.js';
import { EngineClientError } from '../engine/client.js';
import { type Reporter, reportStep } from '../scheduler/progress.js';
import type { ProjectEngine } from '../scheduler/project-engine.js';
import { DryRunProjectEngine } from './dry-run.js';
import { followProgress } from './progress-stream.js';

/** `up --pull` and a service's `pull_policy`, as Compose reads them. */
export type PullPolicy = 'always' | 'missing' | 'never';

/** What to do with one service's image: pull it, use the local one, or fail for lack of it. */
export type PullDecision = 'pull' | 'use' | 'absent';

/** A service's own pull_policy; `if_not_present` is `missing`, `build` and periodic ones too. */
export function servicePullPolicy(service: ServiceConfig): PullPolicy {
  const policy = service.pull_policy;
  if (policy === 'always' || policy === 'never') return policy;
  return 'missing';
}

export function pullDecision(policy: PullPolicy, present: boolean): PullDecision {
  if (policy === 'always') return 'pull';
  if (present) return 'use';
  return policy === 'never' ? 'absent' : 'pull';
}

/** `busybox` → busybox:latest; a digest or a tag stays as written. */
export function splitImage(image: string): { name: string; tag?: string } {
  if (image.includes('@')) return { name: image };
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/'))
    return { name: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { name: image, tag: 'latest' };
}

async function imagePresent(engine: ProjectEngine, image: string): Promise<boolean> {
  try {
    await engine.client.request('GET', `/images/${encodeURIComponent(image)}/json`);
    return true;
  } catch (error) {
    if (error instanceof EngineClientError && error.statusCode === 404) return false;
    throw error;
  }
}

/** POST /images/create?fromImage=: the engine's progress stream, failing with its message. */
async function pullImage(engine: ProjectEngine, service: string, image: string): Promise<void> {
  if (engine instanceof DryRunProjectEngine) return;
  const { name, tag } = splitImage(image);
  try {
    const response = await engine.client.stream('POST', '/images/create', {
      query: { fromImage: name, tag },
    });
    await followProgress(response, () => undefined);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`service "${service}": cannot pull image "${image}": ${reason}`);
  }
}

export interface PullOptions {
  services: string[];
  /** --pull, over each service's pull_policy. */
  policy?: PullPolicy;
  /** --ignore-pull-failures: told about each failed pull instead of failing. */
  onFailure?: (error: Error) => void;
}

/**
 * Pulls, keeps or refuses the images of the given services, in parallel. Services with
 * `build` are left to the builder, which makes their image.
 */
export async function ensureImages(
  engine: ProjectEngine,
  project: Project,
  options: PullOptions,
  report: Reporter,
): Promise<void> {
  const services = options.services
    .map((name) => project.services[name])
    .filter((service) => service.image !== undefined && service.build === undefined);
  // Services often share an image: one inspect per image, not one per service.
  const presence = new Map<string, Promise<boolean>>();
  const present = (image: string) => {
    let answer = presence.get(image);
    if (!answer) {
      answer = imagePresent(engine, image);
      presence.set(image, answer);
    }
    return answer;
  };
  await Promise.all(
    services.map(async (service) => {
      const image = service.image as string;
      const policy = options.policy ?? servicePullPolicy(service);
      const decision = pullDecision(policy, policy !== 'always' && (await present(image)));
      if (decision === 'use') return;
      if (decision === 'absent') {
        throw new Error(
          `service "${service.name}" uses image "${image}", which is not present locally and pull_policy is never: load it with \`tcompose image load\``,
        );
      }
      await reportStep(report, { kind: 'Image', name: image }, ['Pulling', 'Pulled'], () =>
        pullImage(engine, service.name, image),
      ).catch((error: Error) => {
        if (!options.onFailure) throw error;
        report({ kind: 'Image', name: image, status: 'Error', done: true });
        options.onFailure(error);
      });
    }),
  );
}
