import { Transform } from 'class-transformer';
import { envBoolean } from './env-rules';

/**
 * Reads "true"/"false"/"1"/"0" as a boolean and leaves anything else as it is,
 * so validation names the variable instead of reading "no" as true. It reads the
 * raw value (`obj[key]`): implicit conversion would already have made any
 * non-empty string `true`.
 */
export const EnvBoolean = () => Transform(({ obj, key, value }) => envBoolean(key in obj ? obj[key] : value));
