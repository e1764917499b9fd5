export * from './lib/api-key';
