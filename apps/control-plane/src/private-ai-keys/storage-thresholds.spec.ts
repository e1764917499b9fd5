import { storageSizeBytes } from '../common/storage-size';
import { storageThresholdsReached } from './storage-thresholds';

describe('private database storage thresholds', () => {
  it('reads a plan\'s vector_db_storage in binary units, and nothing else', () => {
    expect(storageSizeBytes('10GB')).toBe(10 * 1024 ** 3);
    expect(storageSizeBytes('512 mb')).toBe(512 * 1024 ** 2);
    expect(storageSizeBytes('1.5TB')).toBe(1.5 * 1024 ** 4);
    expect(storageSizeBytes(null)).toBeNull();
    expect(storageSizeBytes('lots')).toBeNull();
    expect(storageSizeBytes('10 GiB')).toBeNull();
  });

  it('reaches 80 % and 100 % at the exact byte, lowest first', () => {
    const limit = 1000;
    expect(storageThresholdsReached(799, limit)).toEqual([]);
    expect(storageThresholdsReached(800, limit)).toEqual([80]);
    expect(storageThresholdsReached(999, limit)).toEqual([80]);
    expect(storageThresholdsReached(1000, limit)).toEqual([80, 100]);
    expect(storageThresholdsReached(5000, limit)).toEqual([80, 100]);
  });
});
