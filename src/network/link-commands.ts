import { macForAddress } from './ipam.js';

/**
 * The `ip -batch` lines of each link operation, pure: bridges on the host, veth pairs from
 * the bridge into a namespace, addresses and routes inside it. ip_forward and NAT are never
 * touched: a container reaches its networks and the host's DNS server, nothing else.
 */

export interface BridgeSpec {
  bridge: string;
  gateway: string;
  prefix: number;
  mtu: number;
}

/** One container's attachment to one network. */
export interface AttachmentSpec {
  bridge: string;
  hostIfname: string;
  ifname: string;
  address: string;
  prefix: number;
  mac: string;
  mtu: number;
  /** Set on the attachment whose gateway carries the container's default route. */
  defaultGateway?: string;
}

/**
 * The bridge gets a fixed MAC (the gateway's, 02:42:<address>): left to itself a bridge
 * takes the lowest MAC of its ports, so a container leaving would change the gateway's MAC
 * under every other container's ARP cache and cut them off until it expires.
 */
export function createBridgeLines(spec: BridgeSpec): string[] {
  return [
    `link add ${spec.bridge} address ${macForAddress(spec.gateway)} mtu ${spec.mtu} type bridge`,
    `addr add ${spec.gateway}/${spec.prefix} dev ${spec.bridge}`,
    `link set ${spec.bridge} up`,
  ];
}

export function deleteLinkLines(ifnames: string[]): string[] {
  return ifnames.map((ifname) => `link del ${ifname}`);
}

/** Host side: the veth pair, its container end created straight inside the namespace. */
export function hostAttachLines(netns: string, specs: AttachmentSpec[]): string[] {
  return specs.flatMap((spec) => [
    `link add ${spec.hostIfname} mtu ${spec.mtu} type veth peer name ${spec.ifname} address ${spec.mac} mtu ${spec.mtu} netns ${netns}`,
    `link set ${spec.hostIfname} master ${spec.bridge} up`,
  ]);
}

/** Container side: address, link up, and the default route where one is due. */
export function containerAttachLines(specs: AttachmentSpec[]): string[] {
  return specs.flatMap((spec) => [
    `addr add ${spec.address}/${spec.prefix} dev ${spec.ifname}`,
    `link set ${spec.ifname} up`,
    ...(spec.defaultGateway ? [defaultRouteLine(spec.defaultGateway, spec.ifname)] : []),
  ]);
}

export function defaultRouteLine(gateway: string, ifname: string): string {
  return `route replace default via ${gateway} dev ${ifname}`;
}
