/** A storage size as plans and products write it (`10GB`, `512 MB`, `1.5TB`): binary units. */
export const STORAGE_SIZE = /^(\d{1,9}(?:\.\d{1,3})?)\s?(KB|MB|GB|TB)$/i;

const UNIT_BYTES: Record<string, number> = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** A size in bytes; null when unset or not a size. */
export function storageSizeBytes(size: string | null | undefined): number | null {
  const match = STORAGE_SIZE.exec(size?.trim() ?? '');
  return match ? Math.round(Number(match[1]) * UNIT_BYTES[match[2].toUpperCase()]) : null;
}
