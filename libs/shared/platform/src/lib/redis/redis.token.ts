/** Injection token of the app's shared Redis connection. */
export const REDIS = Symbol('REDIS');
