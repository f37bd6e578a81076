/**
 * A service's blkio_config as the Docker Engine API's HostConfig fields. The loader has
 * already made byte rates into numbers (normalize-resources.ts).
 */
export interface BlockIoSettings {
  BlkioWeight?: number;
  BlkioWeightDevice?: { Path: string; Weight: number }[];
  BlkioDeviceReadBps?: DeviceRate[];
  BlkioDeviceWriteBps?: DeviceRate[];
  BlkioDeviceReadIOps?: DeviceRate[];
  BlkioDeviceWriteIOps?: DeviceRate[];
}

interface DeviceRate {
  Path: string;
  Rate: number;
}

type Raw = Record<string, unknown>;

const RATES = [
  ['device_read_bps', 'BlkioDeviceReadBps'],
  ['device_write_bps', 'BlkioDeviceWriteBps'],
  ['device_read_iops', 'BlkioDeviceReadIOps'],
  ['device_write_iops', 'BlkioDeviceWriteIOps'],
] as const;

export function blockIoSettings(blkio: unknown): BlockIoSettings {
  if (typeof blkio !== 'object' || blkio === null) return {};
  const config = blkio as Raw;
  const settings: BlockIoSettings = {};
  if (config.weight !== undefined) settings.BlkioWeight = Number(config.weight);
  const weights = config.weight_device as Raw[] | undefined;
  if (weights?.length) {
    settings.BlkioWeightDevice = weights.map((device) => ({
      Path: String(device.path),
      Weight: Number(device.weight),
    }));
  }
  for (const [field, apiField] of RATES) {
    const devices = config[field] as Raw[] | undefined;
    if (!devices?.length) continue;
    settings[apiField] = devices.map((device) => ({
      Path: String(device.path),
      Rate: Number(device.rate),
    }));
  }
  return settings;
}
