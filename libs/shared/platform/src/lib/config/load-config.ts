import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ConfigError } from './config-error';


/**
 * Builds an app's typed configuration from an environment, validating it
 * against the app's schema class. Values are never echoed (they may be secrets):
 * the message names the variable and what it expects.
 */
export function loadConfig<T extends object>(schema: ClassConstructor<T>, env: NodeJS.ProcessEnv): T {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(schema, present, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(describe(errors[0]));
  return Object.freeze(config);
}

function describe(error: ValidationError): string {
  const constraint = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  const expectation = constraint.startsWith(error.property) ? constraint.slice(error.property.length).trim() : constraint;
  return `Invalid configuration: ${error.property} ${expectation}`;
}
