export * from './projection-reader';
export * from './projection-unavailable.error';
