import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultCapabilities,
  defaultMaskedPaths,
  defaultReadonlyPaths,
  systemMounts,
} from '../../src/engine/containers/spec.js';
import { makeBusyboxRootfs } from './busybox-rootfs.js';

// biome-ignore lint/suspicious/noExplicitAny: config.json is free-form JSON, edited by tests
export type OciConfig = Record<string, any>;

export interface BundleOptions {
  args: string[];
  /** cgroupsPath; unique per test so that concurrent runs never share a cgroup */
  cgroupsPath: string;
  env?: string[];
  hostname?: string;
  terminal?: boolean;
  readonlyRoot?: boolean;
  /** Last word on the generated config. */
  edit?: (config: OciConfig) => void;
}

/** A config.json with Docker's defaults (the engine's own) for a busybox container. */
export function defaultConfig(rootfs: string, options: BundleOptions): OciConfig {
  const config: OciConfig = {
    ociVersion: '1.0.2',
    process: {
      terminal: options.terminal ?? false,
      user: { uid: 0, gid: 0 },
      args: options.args,
      env: options.env ?? [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'TERM=xterm',
      ],
      cwd: '/',
      capabilities: {
        bounding: defaultCapabilities,
        effective: defaultCapabilities,
        permitted: defaultCapabilities,
        inheritable: defaultCapabilities,
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: rootfs, readonly: options.readonlyRoot ?? true },
    hostname: options.hostname ?? 'tc-test',
    mounts: [
      ...systemMounts(64 * 1024 * 1024),
      {
        destination: '/tmp',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', 'size=16m'],
      },
    ],
    linux: {
      cgroupsPath: options.cgroupsPath,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [
        { type: 'pid' },
        { type: 'network' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'cgroup' },
      ],
      maskedPaths: defaultMaskedPaths,
      readonlyPaths: defaultReadonlyPaths,
    },
  };
  options.edit?.(config);
  return config;
}

/** Writes <dir>/config.json and a fresh busybox rootfs in <dir>/rootfs; returns dir. */
export function writeBundle(dir: string, options: BundleOptions): string {
  mkdirSync(dir, { recursive: true });
  const rootfs = makeBusyboxRootfs(join(dir, 'rootfs'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(defaultConfig(rootfs, options), null, 2));
  return dir;
}
