// Jest resolves the @sluice/* aliases for tests but not for global teardown: register them first.
import 'tsconfig-paths/register';
import { dropRunDatabases } from '@sluice/testing';

export default async function globalTeardown(): Promise<void> {
  await dropRunDatabases();
}
