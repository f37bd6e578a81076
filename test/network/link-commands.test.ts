import { describe, expect, it } from 'vitest';
import { failedLines } from '../../src/network/host-link-queue.js';
import {
  containerAttachLines,
  createBridgeLines,
  hostAttachLines,
} from '../../src/network/link-commands.js';
import { bridgeName, vethName } from '../../src/network/names.js';

describe('link names', () => {
  it('fit IFNAMSIZ and are stable per object', () => {
    expect(bridgeName('abc')).toMatch(/^tc-[0-9a-f]{10}$/);
    expect(vethName('/run/x/ns', 'net1')).toMatch(/^tv[0-9a-f]{13}$/);
    expect(vethName('/run/x/ns', 'net1')).toBe(vethName('/run/x/ns', 'net1'));
    expect(vethName('/run/x/ns', 'net2')).not.toBe(vethName('/run/x/ns', 'net1'));
  });
});

describe('ip batch lines', () => {
  const spec = {
    bridge: 'tc-0123456789',
    hostIfname: 'tv0123456789abc',
    ifname: 'eth0',
    address: '172.20.0.2',
    prefix: 16,
    mac: '02:42:ac:14:00:02',
    mtu: 1500,
  };

  it('creates a bridge holding the gateway address', () => {
    expect(
      createBridgeLines({ bridge: 'tc-0123456789', gateway: '172.20.0.1', prefix: 16, mtu: 1400 }),
    ).toEqual([
      'link add tc-0123456789 address 02:42:ac:14:00:01 mtu 1400 type bridge',
      'addr add 172.20.0.1/16 dev tc-0123456789',
      'link set tc-0123456789 up',
    ]);
  });

  it('creates the container end of the veth inside the namespace, with its MAC and MTU', () => {
    expect(hostAttachLines('/run/t/ns1', [spec])).toEqual([
      'link add tv0123456789abc mtu 1500 type veth peer name eth0 address 02:42:ac:14:00:02 mtu 1500 netns /run/t/ns1',
      'link set tv0123456789abc master tc-0123456789 up',
    ]);
  });

  it('adds the default route only where one is due', () => {
    expect(
      containerAttachLines([
        { ...spec, defaultGateway: '172.20.0.1' },
        { ...spec, ifname: 'eth1', address: '10.1.0.2' },
      ]),
    ).toEqual([
      'addr add 172.20.0.2/16 dev eth0',
      'link set eth0 up',
      'route replace default via 172.20.0.1 dev eth0',
      'addr add 10.1.0.2/16 dev eth1',
      'link set eth1 up',
    ]);
  });
});

describe('host batch errors', () => {
  it('sends each failure back to the line that caused it', () => {
    const stderr =
      'ip -force -batch - failed: Cannot find device "tvA"\nCommand failed -:2\nRTNETLINK answers: File exists\nCommand failed -:5\n';
    expect([...failedLines(stderr)]).toEqual([
      [2, 'Cannot find device "tvA"'],
      [5, 'RTNETLINK answers: File exists'],
    ]);
  });
});
