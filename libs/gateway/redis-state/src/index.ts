export {};
export * from './lib/admission';
export * from './lib/projection';
export * from './lib/usage';
