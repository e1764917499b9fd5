import { openTestDatabase, type TestDatabase } from '../../test/fixtures';
import { arrayLiteral } from './pg-array';

describe('arrayLiteral', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase();
  });

  afterAll(() => db?.close());

  const roundTrip = async (literal: string, type: string): Promise<unknown[]> => {
    const [row] = (await db.dataSource.query(`SELECT $1::${type}[] AS value`, [literal])) as Array<{ value: unknown[] }>;
    return row.value;
  };

  it('gives PostgreSQL back every string as it was, whatever characters it holds, each in its own element', async () => {
    const values = ['plain', 'a,b', '{braces}', ' spaced ', 'NULL', 'null', '"quoted"', 'back\\slash', '\\"', 'tab\there', 'new\nline', 'é ✓ 😀', ''];
    expect(await roundTrip(arrayLiteral(values), 'text')).toEqual(values);
  });

  it('writes null and undefined as SQL NULL and numbers unquoted', async () => {
    expect(arrayLiteral(['x', null, undefined, 42])).toBe('{"x",NULL,NULL,42}');
    expect(await roundTrip(arrayLiteral([1, null, 9_007_199_254_740_991]), 'bigint')).toEqual(['1', null, '9007199254740991']);
    expect(await roundTrip(arrayLiteral([]), 'int')).toEqual([]);
  });

  it('leaves a value of the wrong type for PostgreSQL to refuse (a data exception, as from node-postgres)', async () => {
    await expect(roundTrip(arrayLiteral([1.5]), 'int')).rejects.toMatchObject({ driverError: { code: '22P02' } });
    await expect(roundTrip(arrayLiteral(['not-a-uuid,00000000-0000-0000-0000-000000000000']), 'uuid')).rejects.toMatchObject({ driverError: { code: '22P02' } });
  });
});
