import { describe, expect, it } from 'vitest';
import type { Project, ServiceConfig } from '../../src/compose/model.js';
import { ComposeLabel, containerLabels } from '../../src/scheduler/compose-labels.js';
import { serviceConfigHash } from '../../src/scheduler/config-hash.js';
import {
  type ObservedContainer,
  observeContainer,
  planConvergence,
} from '../../src/scheduler/convergence-plan.js';

function project(services: ServiceConfig[], disabled: ServiceConfig[] = []): Project {
  const byName = (list: ServiceConfig[]) => Object.fromEntries(list.map((s) => [s.name, s]));
  return {
    name: 'demo',
    workingDir: '/srv/demo',
    composeFiles: ['/srv/demo/compose.yaml'],
    services: byName(services),
    disabledServices: byName(disabled),
    networks: {},
    volumes: {},
    secrets: {},
    configs: {},
    profiles: [],
    extensions: {},
  };
}

const web: ServiceConfig = { name: 'web', image: 'busybox', command: ['httpd', '-f'] };
const db: ServiceConfig = { name: 'db', image: 'busybox', environment: { A: '1' } };

function running(service: ServiceConfig, number: number, overrides = {}): ObservedContainer {
  return {
    id: `${service.name}${number}`,
    name: `demo-${service.name}-${number}`,
    service: service.name,
    number,
    configHash: serviceConfigHash(service),
    oneoff: false,
    state: 'running',
    ...overrides,
  };
}

const actions = (plan: ReturnType<typeof planConvergence>, service: string) =>
  plan.services
    .find((s) => s.service === service)
    ?.steps.map((step) =>
      step.action === 'create' || step.action === 'recreate'
        ? `${step.action} ${step.name}`
        : `${step.action} ${step.container.name}`,
    );

describe('serviceConfigHash', () => {
  it('ignores key order and scheduling-only fields', () => {
    const a: ServiceConfig = { name: 'x', image: 'i', environment: { A: '1', B: '2' } };
    const b: ServiceConfig = {
      environment: { B: '2', A: '1' },
      image: 'i',
      name: 'x',
      scale: 3,
      depends_on: { y: { condition: 'service_started', required: true, restart: false } },
    };
    expect(serviceConfigHash(a)).toBe(serviceConfigHash(b));
  });

  it('changes with anything the container is made of', () => {
    const a: ServiceConfig = { name: 'x', image: 'i', environment: { A: '1' } };
    expect(serviceConfigHash(a)).not.toBe(serviceConfigHash({ ...a, environment: { A: '2' } }));
    expect(serviceConfigHash(a)).not.toBe(serviceConfigHash({ ...a, command: ['true'] }));
  });
});

describe('planConvergence', () => {
  it('creates every replica of a new project', () => {
    const plan = planConvergence(project([web, { ...db, scale: 2 }]), []);
    expect(actions(plan, 'web')).toEqual(['create demo-web-1']);
    expect(actions(plan, 'db')).toEqual(['create demo-db-1', 'create demo-db-2']);
  });

  it('keeps an unchanged running project as it is', () => {
    const plan = planConvergence(project([web, db]), [running(web, 1), running(db, 1)]);
    expect(actions(plan, 'web')).toEqual(['keep demo-web-1']);
    expect(actions(plan, 'db')).toEqual(['keep demo-db-1']);
  });

  it('recreates only the service whose config changed', () => {
    const changed = { ...db, environment: { A: '2' } };
    const plan = planConvergence(project([web, changed]), [running(web, 1), running(db, 1)]);
    expect(actions(plan, 'web')).toEqual(['keep demo-web-1']);
    expect(actions(plan, 'db')).toEqual(['recreate demo-db-1']);
  });

  it('honours --force-recreate and --no-recreate', () => {
    const changed = { ...db, environment: { A: '2' } };
    const observed = [running(web, 1), running(db, 1)];
    const forced = planConvergence(project([web, changed]), observed, { recreate: 'force' });
    expect(actions(forced, 'web')).toEqual(['recreate demo-web-1']);
    const never = planConvergence(project([web, changed]), observed, { recreate: 'never' });
    expect(actions(never, 'db')).toEqual(['keep demo-db-1']);
  });

  it('starts stopped containers instead of recreating them', () => {
    const plan = planConvergence(project([web]), [running(web, 1, { state: 'exited' })]);
    expect(actions(plan, 'web')).toEqual(['start demo-web-1']);
  });

  it('scales up into the gaps and down from the highest numbers', () => {
    const up = planConvergence(project([web]), [running(web, 2)], { scale: { web: 3 } });
    expect(actions(up, 'web')).toEqual([
      'keep demo-web-2',
      'create demo-web-1',
      'create demo-web-3',
    ]);
    const down = planConvergence(
      project([web]),
      [running(web, 1), running(web, 2), running(web, 3)],
      { scale: { web: 1 } },
    );
    expect(actions(down, 'web')).toEqual([
      'keep demo-web-1',
      'remove demo-web-2',
      'remove demo-web-3',
    ]);
  });

  it('prefers to keep up-to-date running replicas when scaling down', () => {
    const plan = planConvergence(
      project([web]),
      [running(web, 1, { state: 'exited' }), running(web, 2)],
      { scale: { web: 1 } },
    );
    expect(actions(plan, 'web')).toEqual(['keep demo-web-2', 'remove demo-web-1']);
  });

  it('reports orphans but not one-off containers nor profile-disabled services', () => {
    const gone: ServiceConfig = { name: 'gone', image: 'busybox' };
    const tool: ServiceConfig = { name: 'tool', image: 'busybox', profiles: ['debug'] };
    const plan = planConvergence(project([web], [tool]), [
      running(web, 1),
      running(gone, 1),
      running(tool, 1),
      running(web, 9, { oneoff: true, name: 'demo-web-run-1' }),
    ]);
    expect(plan.orphans.map((c) => c.name)).toEqual(['demo-gone-1']);
    expect(actions(plan, 'web')).toEqual(['keep demo-web-1']);
  });

  it('converges only the services asked for', () => {
    const plan = planConvergence(project([web, db]), [], { services: ['db'] });
    expect(plan.services.map((s) => s.service)).toEqual(['db']);
  });

  it('uses container_name when set', () => {
    const named = { ...web, container_name: 'my-web' };
    expect(actions(planConvergence(project([named]), []), 'web')).toEqual(['create my-web']);
  });
});

describe('labels round trip', () => {
  it('reads back what containerLabels writes', () => {
    const p = project([db]);
    const configHash = serviceConfigHash(db);
    const labels = containerLabels(p, { service: db, number: 2, configHash, oneoff: false });
    expect(labels[ComposeLabel.oneoff]).toBe('False');
    expect(labels[ComposeLabel.configFiles]).toBe('/srv/demo/compose.yaml');
    const observed = observeContainer(
      { Id: 'abc', Names: ['/demo-db-2'], Labels: labels, State: 'running' },
      'demo',
    );
    expect(observed).toEqual({
      id: 'abc',
      name: 'demo-db-2',
      service: 'db',
      number: 2,
      configHash,
      oneoff: false,
      state: 'running',
    });
    expect(
      observeContainer({ Id: 'x', Names: ['/x'], Labels: labels, State: 'running' }, 'other'),
    ).toBeUndefined();
  });
});
