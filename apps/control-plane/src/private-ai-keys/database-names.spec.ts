import { databaseNameCreatedAt, newDatabaseName, newDatabasePassword } from './database-names';

describe('private database names', () => {
  it('carry their creation time, read back only for their own prefix', () => {
    const at = Date.UTC(2026, 11, 6, 6, 0, 0);
    const name = newDatabaseName('sluice_pk', at);
    expect(name).toMatch(/^sluice_pk_[0-9a-z]+_[0-9a-f]{16}$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(databaseNameCreatedAt('sluice_pk', name)).toBe(at);
    expect(databaseNameCreatedAt('other', name)).toBeNull();
    expect(databaseNameCreatedAt('sluice', name)).toBeNull();
    expect(databaseNameCreatedAt('sluice_pk', 'sluice_pk_admin')).toBeNull();
    expect(databaseNameCreatedAt('sluice_pk', `${name}x`)).toBeNull();
  });

  it('fit the longest prefix in PostgreSQL’s 63-character identifiers', () => {
    expect(newDatabaseName('a'.repeat(24)).length).toBeLessThanOrEqual(63);
  });

  it('make URL-safe passwords of 32 random bytes, never the same', () => {
    const password = newDatabasePassword();
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newDatabasePassword()).not.toBe(password);
  });
});
