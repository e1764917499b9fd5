import { loadControlPlaneConfig } from './control-plane.config';

describe('USAGE_STREAM_SHARDS in the control plane', () => {
  it('is read into the metering settings: one stream by default', () => {
    expect(loadControlPlaneConfig({}).metering.streamShards).toBe(1);
    expect(loadControlPlaneConfig({ USAGE_STREAM_SHARDS: '16' }).metering.streamShards).toBe(16);
    expect(loadControlPlaneConfig({ USAGE_STREAM_SHARDS: '256' }).metering.streamShards).toBe(256);
  });

  it('refuses anything but a whole number from 1 to 256, naming the variable', () => {
    for (const value of ['0', '257', '2.5', 'many']) {
      expect(() => loadControlPlaneConfig({ USAGE_STREAM_SHARDS: value })).toThrow('USAGE_STREAM_SHARDS must be a whole number from 1 to 256');
    }
  });
});
