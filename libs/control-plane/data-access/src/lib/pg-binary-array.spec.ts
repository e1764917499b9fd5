import { randomUUID } from 'node:crypto';
import { openTestDatabase, type TestDatabase } from '../../test/fixtures';
import { arrayLiteral } from './pg-array';
import { binaryArray, type BinaryElementType } from './pg-binary-array';

describe('binaryArray', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase();
  });

  afterAll(() => db?.close());

  const SQL_TYPES: Record<BinaryElementType, string> = { uuid: 'uuid', int4: 'int', int8: 'bigint', timestamptz: 'timestamptz' };

  /** The array as PostgreSQL reads it from the parameter, one element per row (`unnest`, as the ledger statement reads it). */
  const roundTrip = async (type: BinaryElementType, values: Array<string | number | null>): Promise<unknown[]> => {
    const rows = (await db.dataSource.query(`SELECT e::text AS value FROM unnest($1::${SQL_TYPES[type]}[]) WITH ORDINALITY AS u(e, n) ORDER BY n`, [
      binaryArray(type, values),
    ])) as Array<{ value: unknown }>;
    return rows.map((row) => row.value);
  };

  /** What PostgreSQL makes of the same values sent as the text literal of before. */
  const asLiteral = async (type: BinaryElementType, values: Array<string | number | null>): Promise<unknown[]> => {
    const rows = (await db.dataSource.query(`SELECT e::text AS value FROM unnest($1::${SQL_TYPES[type]}[]) WITH ORDINALITY AS u(e, n) ORDER BY n`, [
      arrayLiteral(values),
    ])) as Array<{ value: unknown }>;
    return rows.map((row) => row.value);
  };

  it('reads UUIDs, either case, and integers to the ends of their ranges as the text literal did', async () => {
    const uuids = ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '0A1b2C3d-4E5f-6789-aBcD-Ef0123456789', null];
    const int4 = [0, 1, -1, 200, 2_147_483_647, -2_147_483_648, null];
    const int8 = [0, 1, -1, 4_294_967_295, 4_294_967_296, -4_294_967_297, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, null];
    for (const [type, values] of [['uuid', uuids], ['int4', int4], ['int8', int8]] as const) {
      expect(binaryArray(type, values)).toBeInstanceOf(Buffer);
      expect(await roundTrip(type, [...values])).toEqual(await asLiteral(type, [...values]));
    }
    expect(await roundTrip('uuid', uuids.slice(2, 3))).toEqual(['0a1b2c3d-4e5f-6789-abcd-ef0123456789']);
    expect(await roundTrip('int8', [Number.MAX_SAFE_INTEGER, -4_294_967_297])).toEqual(['9007199254740991', '-4294967297']);
    expect(await roundTrip('int4', [])).toEqual([]);
  });

  it("reads a timestamp in toISOString's form as the same instant as its text, before and after 2000, to the millisecond", async () => {
    const times = ['2026-03-02T10:00:00.000Z', '2024-02-29T23:59:59.999Z', '2000-01-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z', '1800-01-01T00:00:00.000Z', '2199-12-31T23:59:59.999Z', '1970-01-01T00:00:00.001Z', null];
    expect(binaryArray('timestamptz', times)).toBeInstanceOf(Buffer);
    expect(await roundTrip('timestamptz', times)).toEqual(await asLiteral('timestamptz', times));
    const [row] = (await db.dataSource.query(`SELECT (($1::timestamptz[])[1] = '2024-02-29T23:59:59.999Z'::timestamptz) AS same`, [binaryArray('timestamptz', times.slice(1, 2))])) as Array<{ same: boolean }>;
    expect(row.same).toBe(true);
  });

  it('reads 2,000 random instants from 1800 to 2199 and 2,000 random UUIDs as their text literals read', async () => {
    const from = Date.UTC(1800, 0, 1);
    const to = Date.UTC(2200, 0, 1) - 1;
    const times = Array.from({ length: 2_000 }, () => new Date(from + Math.floor(Math.random() * (to - from))).toISOString());
    const uuids = Array.from({ length: 2_000 }, () => randomUUID());
    expect(binaryArray('timestamptz', times)).toBeInstanceOf(Buffer);
    expect(await roundTrip('timestamptz', times)).toEqual(await asLiteral('timestamptz', times));
    expect(await roundTrip('uuid', uuids)).toEqual(uuids);
  });

  it('sends a timestamp of any other form, day or year as the text literal, for PostgreSQL to read or refuse as before', async () => {
    for (const other of ['2026-03-02T10:00:00.1235Z', '2026-03-02T12:00:00.000+02:00', '2026-03-02T10:00:00Z', '2026-01-01T23:59:60.000Z', '1799-12-31T23:59:59.999Z', '2200-01-01T00:00:00.000Z', '2026-3-02T10:00:00.000Z']) {
      const values = ['2026-03-02T10:00:00.000Z', other];
      expect(typeof binaryArray('timestamptz', values)).toBe('string');
      expect(await roundTrip('timestamptz', values)).toEqual(await asLiteral('timestamptz', values));
    }
    for (const impossible of ['2026-02-29T10:00:00.000Z', '2026-04-31T10:00:00.000Z', '0000-01-01T00:00:00.000Z', '2026-03-02T24:00:01.000Z']) {
      expect(typeof binaryArray('timestamptz', [impossible])).toBe('string');
      await expect(roundTrip('timestamptz', [impossible])).rejects.toMatchObject({ driverError: { code: expect.stringMatching(/^22/) } });
    }
  });

  it('sends a column holding anything it cannot state exactly as the text literal, for PostgreSQL to judge as before', async () => {
    expect(binaryArray('uuid', ['{00000000-0000-0000-0000-000000000000}'])).toBe('{"{00000000-0000-0000-0000-000000000000}"}');
    expect(await roundTrip('uuid', ['00000000000000000000000000000001'])).toEqual(['00000000-0000-0000-0000-000000000001']);
    await expect(roundTrip('uuid', ['00000000-0000-0000-0000-00000000000g'])).rejects.toMatchObject({ driverError: { code: '22P02' } });
    await expect(roundTrip('uuid', ['not-a-uuid,00000000-0000-0000-0000-000000000000'])).rejects.toMatchObject({ driverError: { code: '22P02' } });
    await expect(roundTrip('int4', [1, 2_147_483_648])).rejects.toMatchObject({ driverError: { code: '22003' } });
    await expect(roundTrip('int4', [1.5])).rejects.toMatchObject({ driverError: { code: '22P02' } });
    await expect(roundTrip('int8', [2 ** 64])).rejects.toMatchObject({ driverError: { code: '22003' } });
    expect(binaryArray('int8', [2 ** 53])).toBe('{9007199254740992}');
  });
});
