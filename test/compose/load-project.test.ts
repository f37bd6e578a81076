import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComposeError, loadProject, type Project, serializeProject } from '../../src/index.js';

const FIXTURES = resolve('test/compose/fixtures/project');
const SHOP = join(FIXTURES, 'shop');
const NAMED = join(FIXTURES, 'named');

/** A clean environment, so the host's COMPOSE_* variables never leak in. */
const env = (extra: Record<string, string> = {}) => ({ HOME: '/home/tester', ...extra });

describe('loadProject (library)', () => {
  it('returns the typed model of the shop stack', () => {
    const project: Project = loadProject({ workingDir: SHOP, environment: env() });
    expect(project.name).toBe('shop');
    expect(project.workingDir).toBe(SHOP);
    expect(project.composeFiles).toEqual([join(SHOP, 'compose.yaml')]);
    expect(Object.keys(project.services).sort()).toEqual(['api', 'cache', 'db', 'web']);
    expect(Object.keys(project.disabledServices)).toEqual(['worker']);
    expect(project.services.web.ports?.[1]).toEqual({
      mode: 'ingress',
      host_ip: '127.0.0.1',
      target: 443,
      published: '8443',
      protocol: 'tcp',
    });
    expect(project.services.api.depends_on?.db).toEqual({
      condition: 'service_healthy',
      required: true,
      restart: true,
    });
    expect(project.services.api.mem_limit).toBe(536_870_912);
    expect(project.networks.back).toEqual({ name: 'shop_back', internal: true });
    expect(project.volumes['db-data'].name).toBe('shop_db-data');
  });

  it('merges env_file under environment, with the .env file feeding bare keys', () => {
    const { api } = loadProject({ workingDir: SHOP, environment: env() }).services;
    expect(api.env_file).toEqual([{ path: join(SHOP, 'api/api.env'), required: true }]);
    expect(api.environment).toEqual({
      API_TOKEN: 'from-dotenv',
      DATABASE_URL: 'postgres://shop@db/shop',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    });
  });

  it('lets the process environment override .env', () => {
    const project = loadProject({ workingDir: SHOP, environment: env({ NGINX_VERSION: '1.25' }) });
    expect(project.services.web.image).toBe('nginx:1.25');
  });

  it('finds compose.yaml upward from a subdirectory', () => {
    expect(loadProject({ workingDir: join(SHOP, 'api'), environment: env() }).name).toBe('shop');
  });

  it('enables profiles from COMPOSE_PROFILES and from explicit services', () => {
    const fromEnv = loadProject({
      workingDir: SHOP,
      environment: env({ COMPOSE_PROFILES: 'jobs' }),
    });
    expect(fromEnv.services.worker.scale).toBe(2);
    const explicit = loadProject({ workingDir: SHOP, environment: env(), services: ['worker'] });
    expect(explicit.profiles).toEqual(['jobs']);
    expect(Object.keys(explicit.services)).toContain('worker');
  });

  it('exposes the top-level name as COMPOSE_PROJECT_NAME and reads the override file', () => {
    const project = loadProject({ workingDir: NAMED, environment: env() });
    expect(project.name).toBe('billing');
    expect(project.services.app.image).toBe('registry.example/billing-app');
    expect(project.services.app.environment).toEqual({ COMPOSE_PROJECT_NAME: 'billing' });
    expect(project.services.app.labels).toEqual({ overridden: 'yes' });
    expect(project.composeFiles).toEqual([
      join(NAMED, 'compose.yaml'),
      join(NAMED, 'compose.override.yaml'),
    ]);
  });

  it.each([
    ['-p', { projectName: 'cli' }, {}, 'cli'],
    ['COMPOSE_PROJECT_NAME', {}, { COMPOSE_PROJECT_NAME: 'fromenv' }, 'fromenv'],
  ])('takes the name from %s before the top-level name', (_name, options, extra, expected) => {
    const project = loadProject({ workingDir: NAMED, environment: env(extra), ...options });
    expect(project.name).toBe(expected);
    expect(project.services.app.image).toBe(`registry.example/${expected}-app`);
  });

  it('reads --env-file relative to the working directory', () => {
    const project = loadProject({ workingDir: NAMED, environment: env(), envFiles: ['alt.env'] });
    expect(Object.keys(project.services).sort()).toEqual(['app', 'debug']);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: compose variable syntax, not a template
  it('keeps ${VAR} text without interpolation', () => {
    const project = loadProject({ workingDir: NAMED, environment: env(), interpolate: false });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose variable syntax, not a template
    expect(project.services.app.image).toBe('registry.example/${COMPOSE_PROJECT_NAME}-app');
  });

  it('reports each unset variable once through onWarning', () => {
    const warnings: string[] = [];
    const project = loadProject({
      workingDir: join(FIXTURES, 'unset'),
      environment: env(),
      onWarning: (warning) => warnings.push(warning),
    });
    expect(project.services.app.image).toBe('busybox');
    expect(warnings).toEqual(['the "TAG" variable is not set, defaulting to a blank string']);
  });

  it('throws ComposeError with file, line and column', () => {
    try {
      loadProject({
        files: [join(FIXTURES, 'invalid', 'depends-on-unknown.yaml')],
        environment: env(),
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ComposeError);
      const composeError = error as ComposeError;
      expect(composeError.position).toEqual({
        file: join(FIXTURES, 'invalid', 'depends-on-unknown.yaml'),
        line: 5,
        column: 9,
      });
      expect(composeError.path).toEqual(['services', 'web', 'depends_on', 0]);
      expect(composeError.hint).toBe("did you mean 'db'?");
    }
  });

  it('serializes through the library too', () => {
    const text = serializeProject(loadProject({ workingDir: NAMED, environment: env() }), 'yaml');
    expect(text.startsWith('name: billing\nservices:\n  app:\n')).toBe(true);
  });
});
