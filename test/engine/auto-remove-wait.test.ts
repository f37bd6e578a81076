import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';

const testEngine = engineForFile();

describe('waiting for an auto-removed container', () => {
  it('still answers with its exit code just after the engine removed it', async () => {
    const { client } = testEngine();
    const name = `gone-${randomBytes(4).toString('hex')}`;
    const { Id } = await client.request<{ Id: string }>('POST', '/containers/create', {
      query: { name },
      body: {
        Image: 'busybox',
        Cmd: ['sh', '-c', 'exit 3'],
        HostConfig: { AutoRemove: true, NetworkMode: 'none' },
      },
    });
    await client.request('POST', `/containers/${Id}/start`);
    // A client that asks only after the removal, as dockerode's run may.
    let gone = false;
    for (let tries = 0; tries < 100 && !gone; tries++) {
      gone = await client.request('GET', `/containers/${Id}/json`).then(
        () => false,
        () => true,
      );
      if (!gone) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(gone).toBe(true);
    for (const reference of [Id, Id.slice(0, 12), name]) {
      const waited = await client.request('POST', `/containers/${reference}/wait`);
      expect({ reference, waited }).toEqual({ reference, waited: { StatusCode: 3, Error: null } });
    }
    await expect(client.request('POST', '/containers/never-was/wait')).rejects.toThrow(
      'No such container: never-was',
    );
  });
});
