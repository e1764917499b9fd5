import { ConfigError } from '@sluice/platform';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadControlPlaneConfig } from './control-plane.config';

/**
 * Every value the repository assigns to a secret (manifests, compose, docs,
 * scripts, env examples, development defaults in code) is one anybody can
 * read: production must refuse each of them (known-secrets.ts lists them).
 */
const REPO_ROOT = resolve(__dirname, '../../../..');
const SECRETS = ['JWT_SECRET', 'SECRETS_KEY', 'SLUICE_ADMIN_PASSWORD'] as const;
const SCANNED = /(^|\/)(docker-compose[^/]*\.ya?ml|Dockerfile|[^/]+\.md|\.env[^/]*|[^/]+\.env|[^/]*\.(ya?ml|mjs|sh))$/;

function scannedFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((file) => SCANNED.test(file) && !file.startsWith('node_modules/'));
}

/** `NAME: value`, `NAME=value`, `"NAME": "value"`, `NAME: ${NAME:-default}`; not `${NAME:?...}`, `$(openssl ...)` or `$VAR`. */
function assignedValues(text: string, name: string): string[] {
  const pattern = new RegExp(`["']?\\b${name}["']?\\s*[:=]\\s*(?:"([^"\\n]*)"|'([^'\\n]*)'|(\\$\\{[^}\\n]*\\}|[^\\s#,}\\n]+))`, 'g');
  const values: string[] = [];
  for (const match of text.matchAll(pattern)) {
    let value = match[1] ?? match[2] ?? match[3] ?? '';
    const substitution = /^\$\{[A-Z0-9_]+:?-([^}]*)\}$/.exec(value);
    if (substitution) value = substitution[1];
    if (value === '' || value.startsWith('$') || value.startsWith('<')) continue;
    values.push(value);
  }
  return values;
}

function publishedSecrets(): Array<[string, string, string]> {
  const found = new Map<string, [string, string, string]>();
  for (const file of scannedFiles()) {
    const text = readFileSync(resolve(REPO_ROOT, file), 'utf8');
    for (const name of SECRETS) for (const value of assignedValues(text, name)) found.set(`${name}=${value}`, [name, value, file]);
  }
  // Development defaults in code: `secretOrDevDefault(env.JWT_SECRET, 'JWT_SECRET', production, '<value>')`.
  for (const file of ['apps/control-plane/src/config/control-plane.config.ts', 'apps/gateway/src/config/gateway.config.ts']) {
    const text = readFileSync(resolve(REPO_ROOT, file), 'utf8');
    for (const match of text.matchAll(/secretOrDevDefault\([^,]+,\s*'([A-Z_]+)',[^,]+,\s*'([^']+)'\)/g)) found.set(`${match[1]}=${match[2]}`, [match[1], match[2], file]);
    for (const match of text.matchAll(/secretOrDevDefault\([^,]+,\s*'([A-Z_]+)',[^,]+,\s*'(.)'\.repeat\((\d+)\)\)/g)) {
      const value = match[2].repeat(Number(match[3]));
      found.set(`${match[1]}=${value}`, [match[1], value, file]);
    }
  }
  return [...found.values()];
}

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: '4f9c1e7a2b8d3f6a0c5e9b1d7f3a8c2e6b0d4f8a',
  SECRETS_KEY: '3a7f1c9e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a1c3e5a7b9d1f3a5c7e9b1d3f',
};

describe('secrets published in the repository', () => {
  const published = publishedSecrets();

  it('are found (the scan reads manifests, scripts, docs and code defaults)', () => {
    const names = new Set(published.map(([name]) => name));
    expect([...names].sort()).toEqual([...SECRETS].sort());
    expect(published.map(([, , file]) => file)).toEqual(expect.arrayContaining(['k8s/base/secret.yaml', 'apps/control-plane/src/config/control-plane.config.ts']));
  });

  it.each(published)('refuses %s=%s (from %s) under NODE_ENV=production', (name, value) => {
    expect(() => loadControlPlaneConfig({ ...PRODUCTION, [name]: value })).toThrow(ConfigError);
  });

  it('accepts the secrets of this test, which are nobody else\'s', () => {
    expect(() => loadControlPlaneConfig({ ...PRODUCTION, SLUICE_ADMIN_PASSWORD: 'a passphrase of its own 7q2x' })).not.toThrow();
  });
});
