/** A configuration problem, worded as the one line an operator needs to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
