import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../../src/engine/containers/model.js';
import {
  containerNetworkMode,
  forgetNetwork,
  rememberNetwork,
} from '../../src/engine/networking/container-networks.js';

/** A container on `front` by its mode, and on `back` by EndpointsConfig. */
function container(): ContainerRecord {
  return {
    Id: 'f'.repeat(64),
    Name: '/proj-web-1',
    Config: {},
    HostConfig: { NetworkMode: 'front' },
    Networks: {},
    NetworkingConfig: { EndpointsConfig: { back: { Aliases: ['api'] } } },
  } as unknown as ContainerRecord;
}

describe('network membership across connect and disconnect', () => {
  it('drops the mode network without touching the mode, until it is connected again', () => {
    const record = container();
    expect(containerNetworkMode(record)).toEqual({ kind: 'bridge', networks: ['front', 'back'] });
    forgetNetwork(record, 'front');
    expect(record.HostConfig.NetworkMode).toBe('front');
    expect(containerNetworkMode(record)).toEqual({ kind: 'bridge', networks: ['back'] });
    forgetNetwork(record, 'back');
    expect(containerNetworkMode(record)).toEqual({ kind: 'bridge', networks: [] });
    rememberNetwork(record, 'front', { Aliases: ['www'] });
    expect(containerNetworkMode(record)).toEqual({ kind: 'bridge', networks: ['front'] });
    expect(record.NetworkingConfig?.EndpointsConfig).toEqual({ front: { Aliases: ['www'] } });
  });

  it('keeps other networks in request order and their settings', () => {
    const record = container();
    rememberNetwork(record, 'side', {});
    forgetNetwork(record, 'back');
    expect(containerNetworkMode(record)).toEqual({ kind: 'bridge', networks: ['front', 'side'] });
    expect(record.NetworkingConfig).toEqual({ EndpointsConfig: { side: {} } });
  });
});
