import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { selectServices } from '../../src/compose/select-services.js';
import { projectToConfigObject, serializeProject } from '../../src/compose/serialize.js';
import { composeErrorText, normalizeDocument } from './project-helpers.js';

const project = normalizeDocument({
  services: {
    web: {
      image: 'nginx',
      'x-note': 'kept',
      volumes: [
        './html:/html',
        { type: 'tmpfs', target: '/tmp', tmpfs: { size: '1m', mode: 1777 } },
      ],
      secrets: [{ source: 'cert', mode: 0o440 }],
      env_file: [],
      mem_limit: '1g',
      healthcheck: { retries: 3, test: 'true', interval: '30s' },
      depends_on: ['db'],
      deploy: { resources: { limits: { memory: '50m' } } },
      ulimits: { nofile: { hard: 2, soft: 1 } },
    },
    db: { image: 'postgres', profiles: ['data'] },
  },
  secrets: { cert: { file: '/srv/demo/cert.pem' } },
  'x-top': true,
});

describe('projectToConfigObject', () => {
  const config = projectToConfigObject(project) as {
    services: Record<string, Record<string, unknown>>;
  };
  const web = config.services.web;

  it('orders the project and service fields as compose prints them', () => {
    expect(Object.keys(config)).toEqual(['name', 'services', 'networks', 'secrets', 'x-top']);
    expect(Object.keys(config.services)).toEqual(['db', 'web']);
    expect(Object.keys(web)).toEqual([
      'depends_on',
      'deploy',
      'healthcheck',
      'image',
      'mem_limit',
      'networks',
      'secrets',
      'ulimits',
      'volumes',
      'x-note',
    ]);
    expect(Object.keys(web.healthcheck as object)).toEqual(['test', 'interval', 'retries']);
    expect(Object.keys((web.ulimits as Record<string, object>).nofile)).toEqual(['soft', 'hard']);
  });

  it('prints byte sizes as strings, file modes in octal, and drops false and merged fields', () => {
    expect(web.mem_limit).toBe('1073741824');
    expect(web.deploy).toEqual({ resources: { limits: { memory: '52428800' } } });
    expect(web.secrets).toEqual([{ source: 'cert', target: '/run/secrets/cert', mode: '0440' }]);
    expect(web.depends_on).toEqual({ db: { condition: 'service_started', required: true } });
    expect((web.volumes as unknown[])[1]).toEqual({
      type: 'tmpfs',
      target: '/tmp',
      tmpfs: { size: '1048576', mode: 1777 },
    });
    expect(web).not.toHaveProperty('env_file');
    expect(web).not.toHaveProperty('name');
  });

  it('prints yaml and json with the same content', () => {
    expect(parse(serializeProject(project, 'yaml'))).toEqual(
      JSON.parse(serializeProject(project, 'json')),
    );
  });
});

describe('selectServices', () => {
  it('keeps the named services and what they need', () => {
    expect(Object.keys(selectServices(project, ['web']).services)).toEqual(['web', 'db']);
    expect(Object.keys(selectServices(project, ['db']).services)).toEqual(['db']);
    expect(selectServices(project, [])).toBe(project);
  });

  it('rejects an unknown name with a suggestion', () => {
    expect(composeErrorText(() => selectServices(project, ['wbe']))).toBe(
      "no such service: wbe (did you mean 'web'?)",
    );
  });
});
