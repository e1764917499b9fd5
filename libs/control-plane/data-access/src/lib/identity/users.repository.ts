import type { DataSource } from 'typeorm';
import { likePattern, listSlice, orderBy, query, queryOne, type ListWindow, type Reader, type Slice } from '../sql';
import type { Transaction } from '../unit-of-work';

export interface UserRow {
  id: string;
  email: string;
  /** Optional sign-in name besides the email; never contains `@`. */
  username: string | null;
  password_hash: string | null;
  first_name: string;
  last_name: string;
  is_active: boolean;
  is_platform_admin: boolean;
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewUser {
  email: string;
  username?: string | null;
  passwordHash: string | null;
  firstName?: string;
  lastName?: string;
  isActive?: boolean;
  isPlatformAdmin?: boolean;
}

export type UserChanges = Partial<Pick<UserRow, 'email' | 'username' | 'password_hash' | 'first_name' | 'last_name' | 'is_active' | 'is_platform_admin'>>;

export interface UserFilters {
  search?: string;
  isActive?: boolean;
  /** Only users with a membership in one of these tenants. */
  tenantIds?: string[];
}

export const USER_ORDERING = ['email', 'first_name', 'last_name', 'created_at', 'last_login_at'] as const;

export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tx: Transaction, user: NewUser): Promise<UserRow> {
    const row = await queryOne<UserRow>(
      tx,
      `INSERT INTO users (email, password_hash, first_name, last_name, is_active, is_platform_admin, username)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [user.email, user.passwordHash, user.firstName ?? '', user.lastName ?? '', user.isActive ?? true, user.isPlatformAdmin ?? false, user.username ?? null],
    );
    return row as UserRow;
  }

  findById(id: string, db: Reader = this.dataSource): Promise<UserRow | null> {
    return queryOne<UserRow>(db, 'SELECT * FROM users WHERE id = $1', [id]);
  }

  findByEmail(email: string, db: Reader = this.dataSource): Promise<UserRow | null> {
    return queryOne<UserRow>(db, 'SELECT * FROM users WHERE email = $1', [email]);
  }

  /** The account a sign-in names: a username (never holds `@`) or an email. */
  findByLogin(login: string, db: Reader = this.dataSource): Promise<UserRow | null> {
    return login.includes('@') ? this.findByEmail(login, db) : queryOne<UserRow>(db, 'SELECT * FROM users WHERE username = $1', [login]);
  }

  async count(): Promise<number> {
    const [{ count }] = await query<{ count: string }>(this.dataSource, 'SELECT count(*) AS count FROM users');
    return Number(count);
  }

  list(filters: UserFilters, window: ListWindow): Promise<Slice<UserRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filters.search) {
      params.push(likePattern(filters.search));
      where.push(`(email ILIKE $${params.length} OR first_name ILIKE $${params.length} OR last_name ILIKE $${params.length})`);
    }
    if (filters.isActive !== undefined) {
      params.push(filters.isActive);
      where.push(`is_active = $${params.length}`);
    }
    if (filters.tenantIds) {
      params.push(filters.tenantIds);
      where.push(`id IN (SELECT user_id FROM tenant_users WHERE tenant_id = ANY($${params.length}::uuid[]))`);
    }
    return listSlice(this.dataSource, 'users', where, params, window, orderBy(window.ordering, USER_ORDERING, 'email'));
  }

  async update(tx: Transaction, id: string, changes: UserChanges): Promise<UserRow> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return (await this.findById(id, tx)) as UserRow;
    const sets = entries.map(([column], i) => `${column} = $${i + 2}`);
    const row = await queryOne<UserRow>(
      tx,
      `UPDATE users SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, ...entries.map(([, value]) => value)],
    );
    return row as UserRow;
  }

  async recordLogin(id: string): Promise<void> {
    await query(this.dataSource, 'UPDATE users SET last_login_at = now() WHERE id = $1', [id]);
  }
}
