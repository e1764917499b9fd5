import { Transform } from 'class-transformer';

/**
 * Reads "true"/"false"/"1"/"0" as a boolean and leaves anything else as it is,
 * so validation names the variable instead of reading "no" as true. It reads the
 * raw value (`obj[key]`): implicit conversion would already have made any
 * non-empty string `true`.
 */
export const EnvBoolean = () =>
  Transform(({ obj, key, value }) => {
    const raw: unknown = key in obj ? obj[key] : value;
    if (typeof raw === 'boolean') return raw;
    const text = String(raw).trim().toLowerCase();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    return raw;
  });
