// Jest resolves the @sluice/* aliases for tests but not for global setup: register them first.
import 'tsconfig-paths/register';
import { prepareTemplateDatabase } from '@sluice/testing';
import { migrateDatabase } from '../src/lib/data-source';

/** Migrates one template database per run; each test file copies it. */
export default async function globalSetup(): Promise<void> {
  await prepareTemplateDatabase(migrateDatabase);
}
