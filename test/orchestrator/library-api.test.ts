import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down, up } from '../../src/index.js';
import { busyboxTar, startTestEngine, stopTestEngine, type TestEngine } from '../engine/support.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine();
  const response = await engine.client.stream('POST', '/images/load', {
    body: createReadStream(busyboxTar(engine.root)),
    headers: { 'Content-Type': 'application/x-tar' },
  });
  for await (const _ of response);
});

afterAll(async () => {
  const leaks = await stopTestEngine(engine);
  expect(leaks).toEqual({ processes: [], mounts: [], cgroups: [] });
});

it('brings a test environment up healthy and down again through the library API', async () => {
  const directory = mkdtempSync(join(engine.root, 'library-'));
  writeFileSync(
    join(directory, 'compose.yaml'),
    `
services:
  kv:
    image: busybox
    network_mode: none
    init: true
    command: sh -c 'sleep 0.5; touch /tmp/up; exec sleep 600'
    healthcheck: { test: [CMD, test, -f, /tmp/up], interval: 200ms, retries: 50 }
`,
  );
  const target = { workingDir: directory, projectName: 'libapi', host: `unix://${engine.socket}` };
  const events: string[] = [];
  const running = await up({
    ...target,
    wait: true,
    onProgress: (e) => events.push(`${e.name} ${e.status}`),
  });
  expect(running.containers).toEqual({ kv: ['libapi-kv-1'] });
  expect(events).toContain('libapi-kv-1 Started');
  const state = await engine.client.request<{ State: { Health: { Status: string } } }>(
    'GET',
    '/containers/libapi-kv-1/json',
  );
  expect(state.State.Health.Status).toBe('healthy');

  await down({ ...target, timeout: 0 });
  const left = await engine.client.request<unknown[]>('GET', '/containers/json', {
    query: { all: 1, filters: { label: ['com.docker.compose.project=libapi'] } },
  });
  expect(left).toEqual([]);
});
