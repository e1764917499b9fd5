export * from './lib/projection-writer';
