import { statSync } from 'node:fs';
import { badParameter } from '../../errors/engine-error.js';

/** HostConfig.Devices: a host device node given to the container (`docker run --device`). */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer?: string;
  /** The cgroup access: any of r, w, m. */
  CgroupPermissions?: string;
}

/** A device node as the runtime makes it in the container, and the access it is allowed. */
export interface ContainerDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
  access: string;
}

/** A dev_t's major and minor numbers, as glibc's major() and minor() split them. */
export function deviceNumbers(rdev: number): { major: number; minor: number } {
  const high = Math.floor(rdev / 2 ** 32);
  const low = rdev % 2 ** 32;
  return {
    major: ((low >>> 8) & 0xfff) | ((high & 0xfffff000) >>> 0),
    minor: (low & 0xff) | ((low >>> 12) & 0xfff00),
  };
}

/**
 * The devices a container asks for, read from the host's device nodes when it starts: a
 * path that is missing or not a device node fails the start, with Docker's message.
 */
export function containerDevices(mappings: DeviceMapping[] = []): ContainerDevice[] {
  return mappings.map(({ PathOnHost, PathInContainer, CgroupPermissions }) => {
    const stats = statSync(PathOnHost, { throwIfNoEntry: false });
    const problem = !stats
      ? 'no such file or directory'
      : !stats.isCharacterDevice() && !stats.isBlockDevice()
        ? 'not a device node'
        : undefined;
    if (!stats || problem) {
      throw badParameter(
        `error gathering device information while adding custom device "${PathOnHost}": ${problem}`,
      );
    }
    return {
      path: PathInContainer || PathOnHost,
      type: stats.isCharacterDevice() ? 'c' : 'b',
      ...deviceNumbers(stats.rdev),
      fileMode: stats.mode & 0o777,
      uid: stats.uid,
      gid: stats.gid,
      access: CgroupPermissions || 'rwm',
    };
  });
}

/** A device cgroup rule as the OCI spec writes it; no major or minor means any. */
export interface DeviceRule {
  allow: true;
  type: 'a' | 'b' | 'c';
  major?: number;
  minor?: number;
  access: string;
}

const RULE = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/;

/**
 * HostConfig.DeviceCgroupRules (`docker run --device-cgroup-rule`, compose's
 * device_cgroup_rules): "c 1:3 mr", "b 8:* rwm", "a *:* m", each an access allowed.
 */
export function deviceCgroupRules(rules: string[] = []): DeviceRule[] {
  return rules.map((rule) => {
    const match = RULE.exec(rule.trim());
    if (!match) throw badParameter(`invalid device cgroup rule format: '${rule}'`);
    const [, type, major, minor, access = ''] = match;
    return {
      allow: true,
      type: type as DeviceRule['type'],
      ...(major === '*' ? {} : { major: Number(major) }),
      ...(minor === '*' ? {} : { minor: Number(minor) }),
      access,
    };
  });
}
