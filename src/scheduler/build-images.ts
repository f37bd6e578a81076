import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { directoryTar } from '../build-context/directory-tar.js';
import { isIgnored, parseDockerignore } from '../build-context/dockerignore.js';
import { ComposeError } from '../compose/errors.js';
import type { BuildConfig, Project, ServiceConfig } from '../compose/model.js';
import { EngineClientError, type QueryValue } from '../engine/client.js';
import type { ContainerStep, ConvergencePlan, RecreatePolicy } from './convergence-plan.js';
import type { ProjectEngine } from './project-engine.js';

/**
 * The build stage of `build` and `up`: each service with `build:` becomes an image
 * named by `image:` or `<project>-<service>` (Compose v2's naming), built by the
 * engine's POST /build from the context directory (minus .dockerignore).
 */
export type BuildPolicy = 'always' | 'missing' | 'never';

export interface BuildImagesOptions {
  /** Services to build; default: every service with `build:`. */
  services?: string[];
  /** always: build each (`build`, `up --build`); missing: only images not there yet (`up`). */
  policy: BuildPolicy;
  noCache?: boolean;
  /** --build-arg values, over the compose file's `args`. */
  buildArgs?: Record<string, string>;
  /** The build's output, as the engine streams it. */
  output?: (service: string, text: string) => void;
}

/** The image a service runs: `image:`, else `<project>-<service>`. */
export const serviceImage = (project: Project, service: ServiceConfig) =>
  service.image ?? `${project.name}-${service.name}`;

const INLINE_DOCKERFILE = '.tcompose.inline.Dockerfile';

/** The context tar and the Dockerfile's name in it (an inline or outside one is added). */
async function contextArchive(build: BuildConfig, service: string) {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(build.context) || build.context.startsWith('git@')) {
    throw new ComposeError(
      `build context ${build.context} is remote, and builds are offline: use a local directory`,
      { path: ['services', service, 'build', 'context'] },
    );
  }
  const extraFiles: Record<string, string> = {};
  let dockerfile: string;
  if (build.dockerfile_inline !== undefined) {
    dockerfile = INLINE_DOCKERFILE;
    extraFiles[dockerfile] = build.dockerfile_inline;
  } else {
    const path = isAbsolute(build.dockerfile ?? '')
      ? (build.dockerfile as string)
      : join(build.context, build.dockerfile ?? 'Dockerfile');
    dockerfile = relative(build.context, path).split(sep).join('/');
    if (dockerfile.startsWith('..')) {
      dockerfile = `.tcompose.${randomBytes(4).toString('hex')}.Dockerfile`;
      extraFiles[dockerfile] = await readFile(path, 'utf8');
    }
  }
  const ignoreText = await readFile(join(build.context, '.dockerignore'), 'utf8').catch(() => '');
  const ignore = parseDockerignore(ignoreText);
  const tar = directoryTar(build.context, {
    extraFiles,
    include: (path) => path === dockerfile || path === '.dockerignore' || !isIgnored(path, ignore),
  });
  return { tar: Readable.from(tar), dockerfile };
}

/** The ID of the image a name refers to, undefined when there is none. */
async function imageId(engine: ProjectEngine, name: string): Promise<string | undefined> {
  try {
    const image = await engine.client.request<{ Id: string }>(
      'GET',
      `/images/${encodeURIComponent(name)}/json`,
    );
    return image.Id;
  } catch (error) {
    if (error instanceof EngineClientError && error.statusCode === 404) return undefined;
    throw error;
  }
}

async function buildService(
  engine: ProjectEngine,
  project: Project,
  service: ServiceConfig,
  options: BuildImagesOptions,
): Promise<string> {
  const build = service.build as BuildConfig;
  const { tar, dockerfile } = await contextArchive(build, service.name);
  const extraTags = Array.isArray(build.tags) ? (build.tags as string[]) : [];
  const query: Record<string, QueryValue> = {
    t: [serviceImage(project, service), ...extraTags],
    dockerfile,
    buildargs: JSON.stringify({ ...build.args, ...options.buildArgs }),
    labels: JSON.stringify(build.labels ?? {}),
    target: typeof build.target === 'string' ? build.target : undefined,
    nocache: options.noCache || build.no_cache === true ? 1 : undefined,
  };
  try {
    return await engine.client.build(tar, query, (message) => {
      if (message.stream !== undefined) options.output?.(service.name, message.stream);
    });
  } catch (error) {
    if (error instanceof EngineClientError) {
      throw new ComposeError(`failed to build: ${error.message}`, {
        path: ['services', service.name, 'build'],
      });
    }
    throw error;
  }
}

export interface BuiltImage {
  service: string;
  id: string;
  /** The name referred to another image (or none) before: containers of the old one are stale. */
  changed: boolean;
}

/** Builds the services' images as the policy says. */
export async function buildImages(
  engine: ProjectEngine,
  project: Project,
  options: BuildImagesOptions,
): Promise<BuiltImage[]> {
  const built: BuiltImage[] = [];
  if (options.policy === 'never') return built;
  const names = options.services?.length ? options.services : Object.keys(project.services);
  const images = new Set<string>();
  for (const name of names) {
    const service = project.services[name];
    if (!service?.build) continue;
    const image = serviceImage(project, service);
    if (images.has(image)) continue;
    images.add(image);
    const before = await imageId(engine, image);
    if (options.policy === 'missing' && before !== undefined) continue;
    const id = await buildService(engine, project, service, options);
    built.push({ service: name, id, changed: id !== before });
  }
  return built;
}

/**
 * What a rebuilt image means for `up`: the containers of the services whose image
 * changed are recreated (unless --no-recreate), as Compose does.
 */
export function recreateRebuilt(
  plan: ConvergencePlan,
  built: BuiltImage[],
  policy: RecreatePolicy | undefined,
): ConvergencePlan {
  const stale = new Set(built.filter((image) => image.changed).map((image) => image.service));
  if (policy === 'never' || stale.size === 0) return plan;
  const renew = (step: ContainerStep): ContainerStep =>
    step.action === 'keep' || step.action === 'start'
      ? {
          action: 'recreate',
          name: step.container.name,
          number: step.container.number,
          container: step.container,
        }
      : step;
  return {
    ...plan,
    services: plan.services.map((servicePlan) =>
      stale.has(servicePlan.service)
        ? { ...servicePlan, steps: servicePlan.steps.map(renew) }
        : servicePlan,
    ),
  };
}
