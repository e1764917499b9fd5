import { Baseline1764000000000 } from './1764000000000-baseline';


/**
 * Every migration, in order. Listed explicitly rather than globbed so that
 * the bundled app carries them.
 */
export const MIGRATIONS = [Baseline1764000000000];
