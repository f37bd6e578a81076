import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClientError } from '../../src/engine/client.js';
import { busyboxTar, repo, startTestEngine, stopWithoutLeaks, type TestEngine } from './support.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(() => stopWithoutLeaks(engine));

/** Sends exactly the given bytes as a request body, to test what the client would never send. */
function raw(method: string, path: string, body?: string, contentType = 'application/json') {
  return new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
    const req = request({
      socketPath: engine.socket,
      method,
      path,
      headers: body === undefined ? {} : { 'Content-Type': contentType },
    });
    req.on('error', reject);
    req.on('response', (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: text,
          type: String(response.headers['content-type']),
        }),
      );
    });
    req.end(body);
  });
}

describe('engine daemon', () => {
  it('answers /_ping and /version on unversioned and /v1.41../v1.47 paths', async () => {
    expect((await raw('GET', '/_ping')).body).toBe('OK');
    expect((await raw('HEAD', '/_ping')).status).toBe(200);
    for (const prefix of ['', '/v1.41', '/v1.44', '/v1.47']) {
      const version = JSON.parse((await raw('GET', `${prefix}/version`)).body);
      expect(version).toMatchObject({ ApiVersion: '1.47', MinAPIVersion: '1.41', Os: 'linux' });
    }
    const tooNew = await raw('GET', '/v1.50/version');
    expect(tooNew.status).toBe(400);
    expect(JSON.parse(tooNew.body).message).toMatch(/too new/);
    expect(await engine.client.negotiate()).toBe('1.47');
  });

  it('refuses a second engine on the same data root', () => {
    const second = spawnSync(process.execPath, [join(repo, 'dist/engine/main.js')], {
      env: {
        ...process.env,
        TCOMPOSE_ROOT: engine.root,
        TCOMPOSE_HOST: join(engine.root, 'other.sock'),
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/another engine \(pid \d+\) is already running/);
  });

  it('creates, lists, filters, inspects and removes volumes', async () => {
    const created = await engine.client.request<{ Name: string; Mountpoint: string }>(
      'POST',
      '/volumes/create',
      {
        body: { Name: 'data1', Labels: { tier: 'db' } },
      },
    );
    expect(created.Mountpoint).toBe(join(engine.root, 'volumes/data1/_data'));
    await engine.client.request('POST', '/volumes/create', { body: { Name: 'other' } });
    const listed = await engine.client.request<{ Volumes: { Name: string }[] }>('GET', '/volumes', {
      query: { filters: { label: ['tier=db'] } },
    });
    expect(listed.Volumes.map((volume) => volume.Name)).toEqual(['data1']);
    const bind = await engine.client.request<{ Options: object }>('POST', '/volumes/create', {
      body: { Name: 'bound', DriverOpts: { type: 'none', o: 'bind', device: engine.root } },
    });
    expect(bind.Options).toEqual({ type: 'none', o: 'bind', device: engine.root });
    for (const name of ['data1', 'other', 'bound'])
      await engine.client.request('DELETE', `/volumes/${name}`);
    await expect(engine.client.request('GET', '/volumes/data1')).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('lists the built-in networks', async () => {
    const networks = await engine.client.request<{ Name: string }[]>('GET', '/networks');
    expect(networks.map((network) => network.Name).sort()).toEqual(['bridge', 'host', 'none']);
  });

  it('answers malformed requests with the right status and message, and keeps serving', async () => {
    await engine.client.request('POST', '/images/load', {
      body: (await import('node:fs')).createReadStream(busyboxTar(engine.root)),
      headers: { 'Content-Type': 'application/x-tar' },
    });
    const cases: [string, string, string | undefined, number, RegExp][] = [
      ['POST', '/containers/create', '{"Image": "busybox",', 400, /invalid JSON/],
      ['POST', '/containers/create', '[1,2]', 400, /must be a JSON object/],
      ['POST', '/containers/create', '{"Image": 42}', 400, /Image must be a string/],
      [
        'POST',
        '/containers/create',
        '{"Image": "busybox", "Env": "A=1"}',
        400,
        /Env must be a list of strings/,
      ],
      [
        'POST',
        '/containers/create',
        '{"Image": "busybox", "HostConfig": {"Memory": "lots"}}',
        400,
        /HostConfig.Memory must be an integer/,
      ],
      [
        'POST',
        '/containers/create',
        '{"Image": "busybox", "HostConfig": {"Binds": ["relative"]}}',
        400,
        /target must be an absolute path/,
      ],
      ['POST', '/containers/create', '{"Image": "nosuchimage"}', 404, /No such image: nosuchimage/],
      [
        'POST',
        '/containers/create?name=bad%20name',
        '{"Image": "busybox"}',
        400,
        /Invalid container name/,
      ],
      ['GET', '/containers/nosuch/json', undefined, 404, /No such container: nosuch/],
      ['POST', '/containers/nosuch/start', undefined, 404, /No such container: nosuch/],
      ['DELETE', '/containers/nosuch', undefined, 404, /No such container: nosuch/],
      ['GET', '/containers/json?filters=%7Bbad', undefined, 400, /invalid filter/],
      [
        'GET',
        '/containers/json?filters=%7B%22nokey%22%3A%5B%22x%22%5D%7D',
        undefined,
        400,
        /invalid filter 'nokey'/,
      ],
      ['POST', '/volumes/create', '{"Name": "a b"}', 400, /invalid characters/],
      [
        'POST',
        '/volumes/create',
        '{"Name": "v", "DriverOpts": {"type": "nfs"}}',
        400,
        /unsupported volume type/,
      ],
      ['DELETE', '/volumes/nosuch', undefined, 404, /no such volume/],
      ['GET', '/exec/nosuch/json', undefined, 404, /No such exec instance/],
      ['GET', '/images/nosuch/json', undefined, 404, /No such image: nosuch/],
      [
        'POST',
        '/containers/create',
        '{"Image": "busybox", "HostConfig": {"RestartPolicy": {"Name": "sometimes"}}}',
        400,
        /invalid restart policy/,
      ],
      ['GET', '/no/such/endpoint', undefined, 404, /page not found/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const answer = await raw(method, path, body);
      expect({ path, body, status: answer.status }).toEqual({ path, body, status });
      expect(answer.type).toBe('application/json');
      expect(JSON.parse(answer.body).message).toMatch(message);
    }
    // Name conflicts and removing a running container without force.
    const first = await engine.client.request<{ Id: string }>('POST', '/containers/create', {
      query: { name: 'taken' },
      body: { Image: 'busybox', Cmd: ['sleep', '100'] },
    });
    const again = await raw('POST', '/containers/create?name=taken', '{"Image": "busybox"}');
    expect(again.status).toBe(409);
    expect(JSON.parse(again.body).message).toMatch(
      /The container name "\/taken" is already in use/,
    );
    await engine.client.request('POST', `/containers/${first.Id}/start`);
    const removeRunning = await raw('DELETE', `/containers/${first.Id}`);
    expect(removeRunning.status).toBe(409);
    expect(JSON.parse(removeRunning.body).message).toMatch(
      /container is running: stop the container before removing or force remove/,
    );
    await engine.client.request('DELETE', `/containers/${first.Id}`, { query: { force: 1 } });
    await expect(
      engine.client.request('GET', `/containers/${first.Id}/json`),
    ).rejects.toBeInstanceOf(EngineClientError);
    expect((await raw('GET', '/_ping')).body).toBe('OK');
  });
});
