// Jest resolves the @sluice/* aliases for tests but not for global setup: register them first.
import 'tsconfig-paths/register';
import { migrateDatabase } from '@sluice/control-plane/data-access';
import { prepareTemplateDatabase } from '@sluice/testing';

/** Migrates one template database per run; each test file copies it. */
export default async function globalSetup(): Promise<void> {
  await prepareTemplateDatabase(migrateDatabase);
}
