import { isUuid } from '@sluice/contracts';
import type { Provider } from '@nestjs/common';
import { generateApiKey, type TenantRole } from '@sluice/auth';
import {
  ApiKeysRepository,
  AuditRepository,
  CreditsRepository,
  MembershipsRepository,
  ModelsRepository,
  PersonalTokensRepository,
  PlansRepository,
  RegionsRepository,
  TeamsRepository,
  TenantsRepository,
  UnitOfWork,
  UsageLedgerRepository,
  UsersRepository,
  type ApiKeyChanges,
  type ApiKeyFilters,
  type ApiKeyRow,
  type AuditDraft,
  type AuditEvent,
  type AuditFilters,
  type CreditLedgerRow,
  type CreditTotals,
  type ListWindow,
  type MembershipFilters,
  type MembershipRow,
  type ModelFields,
  type ModelRow,
  type NewApiKey,
  type NewPlan,
  type NewTenant,
  type NewTopUp,
  type NewUser,
  type OutboxTarget,
  type PersonalTokenRow,
  type PersonalTokenScope,
  type PlanChanges,
  type PlanRow,
  type RegionFields,
  type RegionRow,
  type Slice,
  type TeamRow,
  type TenantChanges,
  type TenantFilters,
  type TenantRow,
  type Transaction,
  type UserChanges,
  type UserFilters,
  type UsageGroupBy,
  type UsageTotalsRow,
  type UserRow,
} from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { randomUUID } from 'node:crypto';
import { AuditService, type AuditRecord } from '../audit/audit.service';
import type { ApiKeyPrincipal, UserPrincipal } from '../auth/principal';
import { Sessions, type TokenPair } from '../auth/sessions';
import { Projector } from '../projection/projector';
import type { WebhookEventType } from '../webhooks/webhook-event-types';
import { WebhookOutbox } from '../webhooks/webhook-outbox';

/**
 * In-memory stand-ins for what the control-plane services reach through the
 * repository seam: the tables, the unit of work, the audit trail, the
 * projection and sessions. The services' own rules run for real on top of
 * them. A transaction that throws rolls every table back, as PostgreSQL
 * would, so a spec can check that a refused change left nothing behind; a
 * write outside the open transaction fails the test.
 */

interface Tables {
  tenants: Map<string, TenantRow>;
  users: Map<string, UserRow>;
  memberships: Map<string, Omit<MembershipRow, 'email' | 'first_name' | 'last_name'>>;
  teams: Map<string, Omit<TeamRow, 'member_count'>>;
  apiKeys: Map<string, ApiKeyRow>;
  plans: Map<string, PlanRow>;
  models: Map<string, ModelRow>;
  regions: Map<string, RegionRow>;
  personalTokens: Map<string, PersonalTokenRow>;
  credits: CreditLedgerRow[];
  balances: Map<string, { balance: bigint; topUps: bigint }>;
  /** Users whose password-bound personal tokens were revoked. */
  revokedTokenOwners: string[];
  audit: AuditRecord[];
  /** What the audit repository stored (a spec of AuditService or AuditLogService reads it). */
  auditEvents: AuditEvent[];
  outbox: OutboxTarget[];
  /** Webhook events emitted (WebhookOutbox.emit), in emission order. */
  webhookEvents: Array<{ tenantId: string; type: WebhookEventType; data: Record<string, unknown> }>;
}

/** One rollup row: a key's usage of one model on one UTC day. */
export interface DailyUsage {
  tenantId: string;
  apiKeyId: string;
  teamId?: string | null;
  day: string;
  model: string;
  environment: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costMicros: number;
}

function emptyTables(): Tables {
  return {
    tenants: new Map(),
    users: new Map(),
    memberships: new Map(),
    teams: new Map(),
    apiKeys: new Map(),
    plans: new Map(),
    models: new Map(),
    regions: new Map(),
    personalTokens: new Map(),
    credits: [],
    balances: new Map(),
    revokedTokenOwners: [],
    audit: [],
    auditEvents: [],
    outbox: [],
    webhookEvents: [],
  };
}

/** PostgreSQL's unique_violation as the driver reports it (what `isUniqueViolation` reads). */
export function uniqueViolation(constraint: string): Error {
  return Object.assign(new Error(`duplicate key value violates unique constraint "${constraint}"`), { code: '23505', constraint });
}

/** PostgreSQL refuses a malformed uuid parameter (invalid_text_representation): a service must check ids before it asks. */
function uuidParameter(id: string): string {
  if (!isUuid(id)) {
    throw Object.assign(new Error(`invalid input syntax for type uuid: "${id}"`), { code: '22P02' });
  }
  return id;
}

function page<T>(rows: T[], window: ListWindow): Slice<T> {
  return { rows: rows.slice(window.offset, window.offset + window.limit), count: rows.length };
}

export class FakeDatabase {
  tables: Tables = emptyTables();
  /** The transaction the fake unit of work has open, if any. */
  openTransaction: Transaction | null = null;
  /** What the projector wrote after commits, in order; and how often it flushed or reconciled. */
  readonly projected: OutboxTarget[] = [];
  flushes = 0;
  reconciles = 0;
  catalogLocks = 0;
  /** Per-tenant metered usage of the current period. */
  readonly usage = new Map<string, { api_calls: number; ai_tokens: number }>();
  /** The daily rollups usage reports read. */
  readonly dailyUsage: DailyUsage[] = [];

  /** Fails the test when a write is not made in the open transaction. */
  requireTransaction(tx: Transaction): void {
    if (!this.openTransaction || tx !== this.openTransaction) throw new Error('write outside the open transaction');
  }

  get audit(): AuditRecord[] {
    return this.tables.audit;
  }

  auditTypes(): string[] {
    return this.tables.audit.map((record) => record.eventType);
  }

  tenant(fields: Partial<TenantRow> = {}): TenantRow {
    const id = fields.id ?? randomUUID();
    const now = new Date();
    const row: TenantRow = {
      id,
      name: `Tenant ${id.slice(0, 8)}`,
      slug: `t-${id.slice(0, 8)}`,
      domain: null,
      status: 'active',
      subscription_tier: 'basic',
      contact_email: '',
      contact_name: '',
      contact_phone: '',
      billing_email: '',
      admin_email: '',
      billing_address: '',
      stripe_customer_id: null,
      stripe_subscription_id: null,
      last_payment: null,
      billing_status: 'current',
      past_due_since: null,
      settings: {},
      quota_overrides: {},
      activated_at: now,
      suspended_at: null,
      suspension_reason: '',
      deleted_at: null,
      last_reset_at: now,
      created_at: now,
      updated_at: now,
      user_count: 0,
      ...fields,
    };
    this.tables.tenants.set(id, row);
    return row;
  }

  user(fields: Partial<UserRow> = {}): UserRow {
    const id = fields.id ?? randomUUID();
    const now = new Date();
    const row: UserRow = {
      id,
      email: `${id.slice(0, 8)}@example.test`,
      username: null,
      password_hash: null,
      first_name: '',
      last_name: '',
      is_active: true,
      is_platform_admin: false,
      last_login_at: null,
      created_at: now,
      updated_at: now,
      ...fields,
    };
    this.tables.users.set(id, row);
    return row;
  }

  /** A new user with `role` in the tenant. */
  member(tenant: TenantRow, role: TenantRole, user: UserRow = this.user()): { user: UserRow; membership: MembershipRow } {
    const now = new Date();
    const id = randomUUID();
    this.tables.memberships.set(id, { id, tenant_id: tenant.id, user_id: user.id, role, team_id: null, created_at: now, updated_at: now });
    return { user, membership: this.membership(id) as MembershipRow };
  }

  membership(id: string): MembershipRow | null {
    const row = this.tables.memberships.get(id);
    if (!row) return null;
    const user = this.tables.users.get(row.user_id);
    return { ...row, email: user?.email ?? '', first_name: user?.first_name ?? '', last_name: user?.last_name ?? '' };
  }

  team(tenant: TenantRow, fields: Partial<TeamRow> = {}): TeamRow {
    const id = fields.id ?? randomUUID();
    const now = new Date();
    this.tables.teams.set(id, { id, tenant_id: tenant.id, name: `team-${id.slice(0, 8)}`, description: '', limits: {}, created_at: now, updated_at: now, ...fields });
    return this.teamRow(id) as TeamRow;
  }

  teamRow(id: string): TeamRow | null {
    const row = this.tables.teams.get(id);
    if (!row) return null;
    return { ...row, member_count: [...this.tables.memberships.values()].filter((membership) => membership.team_id === id).length };
  }

  /** A key of the tenant; its secret is returned beside the row. */
  key(tenant: TenantRow, fields: Partial<ApiKeyRow> = {}): ApiKeyRow & { secret: string } {
    const generated = generateApiKey(fields.environment ?? 'live');
    const now = new Date();
    const row: ApiKeyRow = {
      id: randomUUID(),
      tenant_id: tenant.id,
      team_id: null,
      created_by: null,
      name: 'key',
      key_hash: generated.hash,
      prefix: generated.prefix,
      last4: generated.last4,
      environment: 'live',
      scopes: ['inference'],
      status: 'active',
      expires_at: null,
      allowed_models: null,
      allowed_ips: null,
      allowed_regions: null,
      allowed_origins: null,
      allow_no_origin: true,
      limits: {},
      last_used_at: null,
      revoked_at: null,
      previous_key_hash: null,
      previous_key_expires_at: null,
      rotated_at: null,
      deleted_at: null,
      created_at: now,
      updated_at: now,
      ...fields,
    };
    this.tables.apiKeys.set(row.id, row);
    return { ...row, secret: generated.secret };
  }

  apiKey(id: string): ApiKeyRow {
    return this.tables.apiKeys.get(id) as ApiKeyRow;
  }

  plan(fields: Partial<PlanRow> & { id: string }): PlanRow {
    const now = new Date();
    const row: PlanRow = {
      name: fields.id,
      billing_mode: 'postpaid',
      price_monthly_cents: 0,
      period_days: 30,
      limits: {},
      allowed_models: null,
      entitlements: {},
      active: true,
      extras: {},
      created_at: now,
      updated_at: now,
      ...fields,
    };
    this.tables.plans.set(row.id, row);
    return row;
  }

  model(fields: Partial<ModelRow> & { id: string }): ModelRow {
    const now = new Date();
    const row: ModelRow = {
      aliases: [],
      provider: 'mock',
      deployments: [],
      fallbacks: [],
      pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 },
      context_window: 8192,
      max_output_tokens: 1024,
      capabilities: [],
      sandbox: false,
      enabled: true,
      created_at: now,
      updated_at: now,
      ...fields,
    };
    this.tables.models.set(row.id, row);
    return row;
  }

  region(id: string): RegionRow {
    const now = new Date();
    const row: RegionRow = { id, name: id, description: '', is_active: true, database_host: null, database_port: null, created_at: now, updated_at: now };
    this.tables.regions.set(id, row);
    return row;
  }

  /** A live personal token of the user (its secret is never needed: only the hash is stored). */
  personalToken(userId: string, fields: Partial<PersonalTokenRow> = {}): PersonalTokenRow {
    const id = fields.id ?? randomUUID();
    const row: PersonalTokenRow = {
      id,
      user_id: userId,
      name: 'token',
      token_hash: `hash-${id}`,
      prefix: 'slp_abcd',
      last4: 'wxyz',
      expires_at: null,
      scopes: ['read', 'write'],
      survives_password_change: false,
      last_used_at: null,
      revoked_at: null,
      created_at: new Date(),
      ...fields,
    };
    this.tables.personalTokens.set(id, row);
    return { ...row };
  }

  tenantRow(id: string): TenantRow | null {
    const row = this.tables.tenants.get(id);
    if (!row) return null;
    return { ...row, user_count: [...this.tables.memberships.values()].filter((membership) => membership.tenant_id === id).length };
  }
}

/** Runs work with a stand-in transaction; a throw rolls every table back. */
export class FakeUnitOfWork implements Pick<UnitOfWork, 'run'> {
  constructor(private readonly db: FakeDatabase) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    if (this.db.openTransaction) throw new Error('nested transaction');
    const before = structuredClone(this.db.tables);
    // The services hand the transaction to repositories only; the fakes never use its manager.
    const tx = Object.freeze({}) as Transaction;
    this.db.openTransaction = tx;
    try {
      return await work(tx);
    } catch (error) {
      this.db.tables = before;
      throw error;
    } finally {
      this.db.openTransaction = null;
    }
  }
}

/** Keeps the records a service hands to `AuditService.record` (the chain itself is the audit repository's). */
export class FakeAuditService {
  constructor(private readonly db: FakeDatabase) {}

  async record(tx: Transaction, record: AuditRecord): Promise<void> {
    this.db.requireTransaction(tx);
    this.db.tables.audit.push(structuredClone(record));
  }
}

/** Keeps the webhook events a service emits, in the transaction (rolled back with it). */
export class FakeWebhookOutbox implements Pick<WebhookOutbox, 'emit' | 'emitThresholdOnce'> {
  constructor(private readonly db: FakeDatabase) {}

  async emit(tx: Transaction, tenantId: string, type: WebhookEventType, data: object): Promise<void> {
    this.db.requireTransaction(tx);
    this.db.tables.webhookEvents.push(structuredClone({ tenantId, type, data: { ...data } }));
  }

  async emitThresholdOnce(tx: Transaction, tenantId: string, crossing: { subject: string; period: string; threshold: number }, data: object): Promise<boolean> {
    const seen = this.db.tables.webhookEvents.some((event) => event.type === 'usage.threshold' && event.tenantId === tenantId && event.data['subject'] === crossing.subject && event.data['period'] === crossing.period && event.data['threshold_percent'] === crossing.threshold);
    if (seen) return false;
    await this.emit(tx, tenantId, 'usage.threshold', { subject: crossing.subject, period: crossing.period, threshold_percent: crossing.threshold, ...data });
    return true;
  }
}

/** Queues targets in the transaction (rolled back with it); a flush "writes" them. */
export class FakeProjector implements Pick<Projector, 'enqueue' | 'flush'> {
  failReconcile = false;

  constructor(private readonly db: FakeDatabase) {}

  async enqueue(tx: Transaction, targets: OutboxTarget[]): Promise<void> {
    this.db.requireTransaction(tx);
    this.db.tables.outbox.push(...targets);
  }

  async flush(): Promise<void> {
    if (this.db.openTransaction) throw new Error('flush inside a transaction: the projection must follow the commit');
    this.db.flushes++;
    this.db.projected.push(...this.db.tables.outbox.splice(0));
  }

  async reconcile(): Promise<void> {
    this.db.reconciles++;
    if (this.failReconcile) throw new Error('Redis unavailable');
  }
}

/**
 * Sessions as the services see them: a started session hands out a pair whose
 * refresh token the fake remembers (the real ones sign JWTs and write Redis).
 */
export class FakeSessions implements Pick<Sessions, 'start' | 'refresh' | 'end' | 'endAllOfUser'> {
  /** Users whose every session was ended (password or email change, deactivation). */
  readonly ended: string[] = [];
  /** Users a session was started for, in order. */
  readonly started: string[] = [];
  /** Principals that logged out. */
  readonly loggedOut: UserPrincipal[] = [];
  private readonly refreshTokens = new Map<string, string>();

  constructor(private readonly db: FakeDatabase) {}

  async start(tx: Transaction, user: UserRow): Promise<TokenPair> {
    this.db.requireTransaction(tx);
    this.started.push(user.id);
    return this.issue(user.id);
  }

  /** The real check of the token is the sessions' own; here an unknown token is refused and the user is loaded as the caller says. */
  async refresh(refreshToken: string, loadUser: (tx: Transaction, userId: string) => Promise<UserRow | null>): Promise<{ pair: TokenPair; user: UserRow }> {
    const userId = this.refreshTokens.get(refreshToken);
    this.refreshTokens.delete(refreshToken);
    const user = userId ? await new FakeUnitOfWork(this.db).run((tx) => loadUser(tx, userId)) : null;
    if (!user || !user.is_active) throw new SluiceException('unauthorized', 'Refresh token is invalid or expired');
    return { pair: this.issue(user.id), user };
  }

  async end(principal: UserPrincipal): Promise<void> {
    this.loggedOut.push(principal);
  }

  async endAllOfUser(tx: Transaction, userId: string): Promise<void> {
    this.db.requireTransaction(tx);
    this.ended.push(userId);
  }

  private issue(userId: string): TokenPair {
    const n = this.refreshTokens.size + this.started.length;
    const refresh = `refresh-${n}-${randomUUID()}`;
    this.refreshTokens.set(refresh, userId);
    return { access: `access-${n}`, refresh, expiresIn: 900, sessionId: `session-${n}` };
  }
}

type TenantMethods = 'create' | 'findById' | 'findByIds' | 'findByReference' | 'lock' | 'list' | 'update';

export class FakeTenantsRepository implements Pick<TenantsRepository, TenantMethods> {
  constructor(private readonly db: FakeDatabase) {}

  async create(tx: Transaction, tenant: NewTenant): Promise<TenantRow> {
    this.db.requireTransaction(tx);
    const taken = [...this.db.tables.tenants.values()];
    if (taken.some((row) => row.slug === tenant.slug)) throw uniqueViolation('tenants_slug_key');
    if (tenant.domain && taken.some((row) => row.domain === tenant.domain)) throw uniqueViolation('tenants_domain_key');
    return this.db.tenant({
      name: tenant.name,
      slug: tenant.slug,
      status: tenant.status,
      domain: tenant.domain || null,
      subscription_tier: tenant.subscriptionTier ?? 'basic',
      contact_email: tenant.contactEmail ?? '',
      settings: tenant.settings ?? {},
      activated_at: tenant.status === 'active' ? new Date() : null,
    });
  }

  async findById(id: string): Promise<TenantRow | null> {
    return this.db.tenantRow(id);
  }

  async findByIds(ids: readonly string[]): Promise<TenantRow[]> {
    return ids.map((id) => this.db.tenantRow(id)).filter((row): row is TenantRow => row !== null);
  }

  async findByReference(reference: string): Promise<TenantRow | null> {
    const row = [...this.db.tables.tenants.values()].find((tenant) => tenant.id === reference || tenant.slug === reference || tenant.domain === reference);
    return row ? this.db.tenantRow(row.id) : null;
  }

  async lock(tx: Transaction, id: string): Promise<TenantRow | null> {
    this.db.requireTransaction(tx);
    return this.db.tenantRow(id);
  }

  async list(filters: TenantFilters, window: ListWindow): Promise<Slice<TenantRow>> {
    const memberships = [...this.db.tables.memberships.values()];
    const rows = [...this.db.tables.tenants.keys()]
      .map((id) => this.db.tenantRow(id) as TenantRow)
      .filter(
        (tenant) =>
          (!filters.memberUserId || memberships.some((row) => row.tenant_id === tenant.id && row.user_id === filters.memberUserId)) &&
          (!filters.tenantId || tenant.id === filters.tenantId) &&
          (filters.status ? tenant.status === filters.status : tenant.status !== 'deleted') &&
          (!filters.subscriptionTier || tenant.subscription_tier === filters.subscriptionTier),
      );
    return page(rows, window);
  }

  async update(tx: Transaction, id: string, changes: TenantChanges): Promise<TenantRow> {
    this.db.requireTransaction(tx);
    const current = this.db.tables.tenants.get(id) as TenantRow;
    this.db.tables.tenants.set(id, { ...current, ...definedOnly(changes), updated_at: new Date() });
    return this.db.tenantRow(id) as TenantRow;
  }
}

type UserMethods = 'create' | 'findById' | 'findByEmail' | 'findByLogin' | 'list' | 'update' | 'recordLogin';

export class FakeUsersRepository implements Pick<UsersRepository, UserMethods> {
  constructor(private readonly db: FakeDatabase) {}

  async create(tx: Transaction, user: NewUser): Promise<UserRow> {
    this.db.requireTransaction(tx);
    if (await this.findByEmail(user.email)) throw uniqueViolation('users_email_key');
    return this.db.user({
      email: user.email,
      username: user.username ?? null,
      password_hash: user.passwordHash,
      first_name: user.firstName ?? '',
      last_name: user.lastName ?? '',
      is_active: user.isActive ?? true,
      is_platform_admin: user.isPlatformAdmin ?? false,
    });
  }

  async findById(id: string): Promise<UserRow | null> {
    return this.db.tables.users.get(id) ?? null;
  }

  async findByEmail(email: string): Promise<UserRow | null> {
    return [...this.db.tables.users.values()].find((user) => user.email === email) ?? null;
  }

  async findByLogin(login: string): Promise<UserRow | null> {
    return [...this.db.tables.users.values()].find((user) => (login.includes('@') ? user.email === login : user.username === login)) ?? null;
  }

  async list(filters: UserFilters, window: ListWindow): Promise<Slice<UserRow>> {
    return page(
      [...this.db.tables.users.values()].filter((user) => filters.isActive === undefined || user.is_active === filters.isActive),
      window,
    );
  }

  async update(tx: Transaction, id: string, changes: UserChanges): Promise<UserRow> {
    this.db.requireTransaction(tx);
    if (changes.email !== undefined && [...this.db.tables.users.values()].some((user) => user.id !== id && user.email === changes.email)) {
      throw uniqueViolation('users_email_key');
    }
    const updated = { ...(this.db.tables.users.get(id) as UserRow), ...definedOnly(changes), updated_at: new Date() };
    this.db.tables.users.set(id, updated);
    return updated;
  }

  /** Outside any transaction, as the real one: a sign-in stamps it after its session commits. */
  async recordLogin(id: string): Promise<void> {
    const user = this.db.tables.users.get(id);
    if (user) this.db.tables.users.set(id, { ...user, last_login_at: new Date() });
  }
}

type MembershipMethods = 'create' | 'tenantOf' | 'findById' | 'findByUser' | 'list' | 'update' | 'delete' | 'countByRole' | 'countMembers' | 'rolesOfUser';

export class FakeMembershipsRepository implements Pick<MembershipsRepository, MembershipMethods> {
  constructor(private readonly db: FakeDatabase) {}

  async create(tx: Transaction, tenantId: string, userId: string, role: TenantRole): Promise<MembershipRow> {
    this.db.requireTransaction(tx);
    if (this.rows().some((row) => row.tenant_id === tenantId && row.user_id === userId)) throw uniqueViolation('tenant_users_once');
    const tenant = this.db.tables.tenants.get(tenantId) as TenantRow;
    return this.db.member(tenant, role, this.db.tables.users.get(userId) as UserRow).membership;
  }

  async tenantOf(id: string): Promise<string | null> {
    return this.db.tables.memberships.get(id)?.tenant_id ?? null;
  }

  async findById(tenantId: string, id: string): Promise<MembershipRow | null> {
    const row = this.db.membership(id);
    return row?.tenant_id === tenantId ? row : null;
  }

  async findByUser(tenantId: string, userId: string): Promise<MembershipRow | null> {
    const row = this.rows().find((membership) => membership.tenant_id === tenantId && membership.user_id === userId);
    return row ? this.db.membership(row.id) : null;
  }

  async list(tenantIds: string[] | null, filters: MembershipFilters, window: ListWindow): Promise<Slice<MembershipRow>> {
    const rows = this.rows().filter(
      (row) => (!tenantIds || tenantIds.includes(row.tenant_id)) && (!filters.role || row.role === filters.role) && (!filters.teamId || row.team_id === filters.teamId),
    );
    return page(
      rows.map((row) => this.db.membership(row.id) as MembershipRow),
      window,
    );
  }

  async update(tx: Transaction, tenantId: string, id: string, changes: { role?: TenantRole; team_id?: string | null }): Promise<MembershipRow> {
    this.db.requireTransaction(tx);
    const current = this.db.tables.memberships.get(id);
    if (current?.tenant_id === tenantId) this.db.tables.memberships.set(id, { ...current, ...definedOnly(changes), updated_at: new Date() });
    return this.db.membership(id) as MembershipRow;
  }

  async delete(tx: Transaction, tenantId: string, id: string): Promise<void> {
    this.db.requireTransaction(tx);
    if (this.db.tables.memberships.get(id)?.tenant_id === tenantId) this.db.tables.memberships.delete(id);
  }

  async countByRole(tenantId: string, role: TenantRole): Promise<number> {
    return this.rows().filter((row) => row.tenant_id === tenantId && row.role === role).length;
  }

  async countMembers(tenantId: string): Promise<number> {
    return this.rows().filter((row) => row.tenant_id === tenantId).length;
  }

  async rolesOfUser(userId: string): Promise<Array<{ id: string; tenant_id: string; role: TenantRole }>> {
    return this.rows()
      .filter((row) => row.user_id === userId)
      .map((row) => ({ id: row.id, tenant_id: row.tenant_id, role: row.role }));
  }

  private rows() {
    return [...this.db.tables.memberships.values()];
  }
}

export class FakeTeamsRepository implements Pick<TeamsRepository, 'create' | 'tenantOf' | 'findById' | 'list' | 'update' | 'delete'> {
  constructor(private readonly db: FakeDatabase) {}

  async create(tx: Transaction, tenantId: string, team: { name: string; description?: string; limits?: TeamRow['limits'] }): Promise<TeamRow> {
    this.db.requireTransaction(tx);
    this.requireUniqueName(tenantId, team.name);
    return this.db.team(this.db.tables.tenants.get(tenantId) as TenantRow, { name: team.name, description: team.description ?? '', limits: team.limits ?? {} });
  }

  async tenantOf(id: string): Promise<string | null> {
    return this.db.tables.teams.get(id)?.tenant_id ?? null;
  }

  async findById(tenantId: string, id: string): Promise<TeamRow | null> {
    const row = this.db.teamRow(id);
    return row?.tenant_id === tenantId ? row : null;
  }

  async list(tenantIds: string[] | null, _search: string | undefined, window: ListWindow): Promise<Slice<TeamRow>> {
    const ids = [...this.db.tables.teams.values()].filter((team) => !tenantIds || tenantIds.includes(team.tenant_id)).map((team) => team.id);
    return page(
      ids.map((id) => this.db.teamRow(id) as TeamRow),
      window,
    );
  }

  async update(tx: Transaction, tenantId: string, id: string, changes: Partial<Pick<TeamRow, 'name' | 'description' | 'limits'>>): Promise<TeamRow> {
    this.db.requireTransaction(tx);
    const current = this.db.tables.teams.get(id);
    if (current?.tenant_id === tenantId) {
      if (changes.name !== undefined && changes.name !== current.name) this.requireUniqueName(tenantId, changes.name);
      this.db.tables.teams.set(id, { ...current, ...definedOnly(changes), updated_at: new Date() });
    }
    return this.db.teamRow(id) as TeamRow;
  }

  /** Members and keys of the team keep going without it (ON DELETE SET NULL). */
  async delete(tx: Transaction, tenantId: string, id: string): Promise<void> {
    this.db.requireTransaction(tx);
    if (this.db.tables.teams.get(id)?.tenant_id !== tenantId) return;
    this.db.tables.teams.delete(id);
    for (const row of this.db.tables.memberships.values()) if (row.team_id === id) row.team_id = null;
    for (const row of this.db.tables.apiKeys.values()) if (row.team_id === id) row.team_id = null;
  }

  private requireUniqueName(tenantId: string, name: string): void {
    if ([...this.db.tables.teams.values()].some((team) => team.tenant_id === tenantId && team.name === name)) throw uniqueViolation('teams_name_per_tenant');
  }
}

type ApiKeyMethods = 'create' | 'tenantOf' | 'ofTeam' | 'findById' | 'findByTenantAndIds' | 'lock' | 'lockActiveOfCreator' | 'usable' | 'countUsable' | 'list' | 'update';

export class FakeApiKeysRepository implements Pick<ApiKeysRepository, ApiKeyMethods> {
  constructor(private readonly db: FakeDatabase) {}

  async create(tx: Transaction, tenantId: string, key: NewApiKey): Promise<ApiKeyRow> {
    this.db.requireTransaction(tx);
    const now = new Date();
    const row: ApiKeyRow = {
      id: randomUUID(),
      tenant_id: tenantId,
      team_id: key.teamId,
      created_by: key.createdBy,
      name: key.name,
      key_hash: key.keyHash,
      prefix: key.prefix,
      last4: key.last4,
      environment: key.environment,
      scopes: key.scopes,
      status: 'active',
      expires_at: key.expiresAt,
      allowed_models: key.allowedModels,
      allowed_ips: key.allowedIps,
      allowed_regions: key.allowedRegions,
      allowed_origins: key.allowedOrigins,
      allow_no_origin: key.allowNoOrigin,
      limits: key.limits,
      last_used_at: null,
      revoked_at: null,
      previous_key_hash: null,
      previous_key_expires_at: null,
      rotated_at: null,
      deleted_at: null,
      created_at: now,
      updated_at: now,
    };
    this.db.tables.apiKeys.set(row.id, row);
    return { ...row };
  }

  async tenantOf(id: string): Promise<string | null> {
    return this.db.tables.apiKeys.get(uuidParameter(id))?.tenant_id ?? null;
  }

  async ofTeam(tenantId: string, teamId: string): Promise<ApiKeyRow[]> {
    return this.rows().filter((key) => key.tenant_id === tenantId && key.team_id === teamId);
  }

  async findById(tenantId: string, id: string): Promise<ApiKeyRow | null> {
    const row = this.db.tables.apiKeys.get(id);
    return row?.tenant_id === tenantId ? { ...row } : null;
  }

  async findByTenantAndIds(pairs: ReadonlyArray<{ tenantId: string; id: string }>): Promise<ApiKeyRow[]> {
    const rows = await Promise.all(pairs.map((pair) => this.findById(pair.tenantId, pair.id)));
    return rows.filter((row): row is ApiKeyRow => row !== null);
  }

  async lock(tx: Transaction, tenantId: string, id: string): Promise<ApiKeyRow | null> {
    this.db.requireTransaction(tx);
    return this.findById(tenantId, id);
  }

  async lockActiveOfCreator(tx: Transaction, userId: string, tenantId: string | null): Promise<ApiKeyRow[]> {
    this.db.requireTransaction(tx);
    return this.rows().filter((key) => key.created_by === userId && key.status === 'active' && (tenantId === null || key.tenant_id === tenantId));
  }

  async usable(tenantId: string): Promise<ApiKeyRow[]> {
    return this.rows().filter((key) => key.tenant_id === tenantId && isUsable(key));
  }

  async countUsable(tenantId: string): Promise<number> {
    return (await this.usable(tenantId)).length;
  }

  async list(tenantIds: string[] | null, filters: ApiKeyFilters, window: ListWindow): Promise<Slice<ApiKeyRow>> {
    return page(
      this.rows().filter((key) => key.deleted_at === null && (!tenantIds || tenantIds.includes(key.tenant_id)) && (!filters.environment || key.environment === filters.environment)),
      window,
    );
  }

  async update(tx: Transaction, tenantId: string, id: string, changes: ApiKeyChanges): Promise<ApiKeyRow> {
    this.db.requireTransaction(tx);
    const current = this.db.tables.apiKeys.get(id);
    if (current?.tenant_id === tenantId) this.db.tables.apiKeys.set(id, { ...current, ...definedOnly(changes), updated_at: new Date() });
    return { ...(this.db.tables.apiKeys.get(id) as ApiKeyRow) };
  }

  private rows(): ApiKeyRow[] {
    return [...this.db.tables.apiKeys.values()].map((row) => ({ ...row }));
  }
}

function isUsable(key: ApiKeyRow): boolean {
  return key.status === 'active' && (key.expires_at === null || key.expires_at.getTime() > Date.now());
}

export class FakePlansRepository implements Pick<PlansRepository, 'list' | 'findById' | 'create' | 'update' | 'remove' | 'tenantCount'> {
  constructor(private readonly db: FakeDatabase) {}

  async list(): Promise<PlanRow[]> {
    return [...this.db.tables.plans.values()];
  }

  async findById(id: string): Promise<PlanRow | null> {
    return this.db.tables.plans.get(id) ?? null;
  }

  async create(tx: Transaction, plan: NewPlan): Promise<PlanRow> {
    this.db.requireTransaction(tx);
    if (this.db.tables.plans.has(plan.id)) throw uniqueViolation('plans_pkey');
    return this.db.plan(plan);
  }

  async update(tx: Transaction, id: string, changes: PlanChanges): Promise<PlanRow> {
    this.db.requireTransaction(tx);
    const updated = { ...(this.db.tables.plans.get(id) as PlanRow), ...definedOnly(changes), updated_at: new Date() };
    this.db.tables.plans.set(id, updated);
    return updated;
  }

  async remove(tx: Transaction, id: string): Promise<void> {
    this.db.requireTransaction(tx);
    this.db.tables.plans.delete(id);
  }

  async tenantCount(id: string): Promise<number> {
    return [...this.db.tables.tenants.values()].filter((tenant) => tenant.subscription_tier === id).length;
  }
}

export class FakeUsageLedgerRepository implements Pick<UsageLedgerRepository, 'periodUsage' | 'periodUsages' | 'usage'> {
  constructor(private readonly db: FakeDatabase) {}

  async periodUsages(periods: ReadonlyArray<{ tenantId: string }>): Promise<Array<{ tenant_id: string; api_calls: string; ai_tokens: string; cost_micros: string }>> {
    return Promise.all(periods.filter((period) => this.db.usage.has(period.tenantId)).map(async (period) => ({ tenant_id: period.tenantId, ...(await this.periodUsage(period.tenantId)) })));
  }

  async periodUsage(tenantId: string): Promise<{ api_calls: string; ai_tokens: string; cost_micros: string }> {
    const usage = this.db.usage.get(tenantId) ?? { api_calls: 0, ai_tokens: 0 };
    return { api_calls: String(usage.api_calls), ai_tokens: String(usage.ai_tokens), cost_micros: '0' };
  }

  /** The tenant's rollups of the days in range (and of one key), summed per group, ordered by group. */
  async usage(tenantId: string, range: { from: string; to: string; apiKeyId?: string }, groupBy: UsageGroupBy): Promise<UsageTotalsRow[]> {
    const groupOf: Record<UsageGroupBy, (row: DailyUsage) => string> = { day: (row) => row.day, model: (row) => row.model, key: (row) => row.apiKeyId, team: (row) => row.teamId ?? '', environment: (row) => row.environment };
    const groups = new Map<string, DailyUsage[]>();
    for (const row of this.db.dailyUsage) {
      if (row.tenantId !== tenantId || row.day < range.from || row.day > range.to || (range.apiKeyId && row.apiKeyId !== range.apiKeyId)) continue;
      const group = groupOf[groupBy](row);
      groups.set(group, [...(groups.get(group) ?? []), row]);
    }
    const sum = (rows: DailyUsage[], field: 'requests' | 'promptTokens' | 'completionTokens' | 'costMicros') => String(rows.reduce((total, row) => total + row[field], 0));
    return [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([group, rows]) => ({ group: groupBy === 'team' && group === '' ? null : group, requests: sum(rows, 'requests'), prompt_tokens: sum(rows, 'promptTokens'), completion_tokens: sum(rows, 'completionTokens'), cost_micros: sum(rows, 'costMicros') }));
  }
}

export class FakeCreditsRepository implements Pick<CreditsRepository, 'appendTopUp' | 'totals' | 'totalsOf' | 'ledger'> {
  constructor(private readonly db: FakeDatabase) {}

  async appendTopUp(tx: Transaction, tenantId: string, topUp: NewTopUp): Promise<CreditLedgerRow> {
    this.db.requireTransaction(tx);
    const row: CreditLedgerRow = {
      id: String(this.db.tables.credits.length + 1),
      tenant_id: tenantId,
      kind: 'top_up',
      amount_micros: topUp.amountMicros.toString(),
      request_id: null,
      reason: topUp.reason,
      created_by: topUp.createdBy,
      created_at: new Date(),
    };
    this.db.tables.credits.push(row);
    const balance = this.db.tables.balances.get(tenantId) ?? { balance: 0n, topUps: 0n };
    this.db.tables.balances.set(tenantId, { balance: balance.balance + topUp.amountMicros, topUps: balance.topUps + topUp.amountMicros });
    return row;
  }

  async totals(tenantId: string): Promise<CreditTotals> {
    const balance = this.db.tables.balances.get(tenantId) ?? { balance: 0n, topUps: 0n };
    return { tenant_id: tenantId, balance_micros: balance.balance.toString(), top_ups_micros: balance.topUps.toString() };
  }

  async totalsOf(tenantIds: readonly string[]): Promise<CreditTotals[]> {
    return Promise.all(tenantIds.map((tenantId) => this.totals(tenantId)));
  }

  async ledger(tenantId: string, window: ListWindow): Promise<Slice<CreditLedgerRow>> {
    return page(
      this.db.tables.credits.filter((row) => row.tenant_id === tenantId).reverse(),
      window,
    );
  }
}

export class FakeModelsRepository implements Pick<ModelsRepository, 'all' | 'findById' | 'lockCatalog' | 'upsert' | 'delete'> {
  constructor(private readonly db: FakeDatabase) {}

  async all(): Promise<ModelRow[]> {
    return [...this.db.tables.models.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  async findById(id: string): Promise<ModelRow | null> {
    return this.db.tables.models.get(id) ?? null;
  }

  async lockCatalog(tx: Transaction): Promise<void> {
    this.db.requireTransaction(tx);
    this.db.catalogLocks++;
  }

  async upsert(tx: Transaction, model: ModelFields): Promise<ModelRow> {
    this.db.requireTransaction(tx);
    return this.db.model({ ...model, created_at: this.db.tables.models.get(model.id)?.created_at ?? new Date() });
  }

  async delete(tx: Transaction, id: string): Promise<void> {
    this.db.requireTransaction(tx);
    this.db.tables.models.delete(id);
  }
}

export class FakeRegionsRepository implements Pick<RegionsRepository, 'all' | 'findById' | 'upsert' | 'delete' | 'privateDatabaseCount'> {
  constructor(private readonly db: FakeDatabase) {}

  async all(): Promise<RegionRow[]> {
    return [...this.db.tables.regions.values()];
  }

  async findById(id: string): Promise<RegionRow | null> {
    return this.db.tables.regions.get(id) ?? null;
  }

  async upsert(tx: Transaction, region: RegionFields): Promise<RegionRow> {
    this.db.requireTransaction(tx);
    const row = { ...this.db.region(region.id), ...region };
    this.db.tables.regions.set(region.id, row);
    return row;
  }

  async delete(tx: Transaction, id: string): Promise<void> {
    this.db.requireTransaction(tx);
    this.db.tables.regions.delete(id);
  }

  /** Private AI keys keep their rows in their own table, which the fakes do not hold. */
  async privateDatabaseCount(): Promise<number> {
    return 0;
  }
}

type PersonalTokenMethods = 'create' | 'list' | 'findById' | 'revoke' | 'revokeOnPasswordChange';

export class FakePersonalTokensRepository implements Pick<PersonalTokensRepository, PersonalTokenMethods> {
  constructor(private readonly db: FakeDatabase) {}

  async create(
    tx: Transaction,
    userId: string,
    token: { name: string; tokenHash: string; prefix: string; last4: string; expiresAt: Date | null; scopes: PersonalTokenScope[]; survivesPasswordChange: boolean },
  ): Promise<PersonalTokenRow> {
    this.db.requireTransaction(tx);
    return this.db.personalToken(userId, {
      name: token.name,
      token_hash: token.tokenHash,
      prefix: token.prefix,
      last4: token.last4,
      expires_at: token.expiresAt,
      scopes: token.scopes,
      survives_password_change: token.survivesPasswordChange,
    });
  }

  /** The user's live tokens, newest first. */
  async list(userId: string, window: ListWindow): Promise<Slice<PersonalTokenRow>> {
    return page(
      this.live(userId).sort((a, b) => b.created_at.getTime() - a.created_at.getTime()),
      window,
    );
  }

  async findById(userId: string, id: string): Promise<PersonalTokenRow | null> {
    uuidParameter(id);
    return this.live(userId).find((row) => row.id === id) ?? null;
  }

  async revoke(tx: Transaction, userId: string, id: string): Promise<void> {
    this.db.requireTransaction(tx);
    const row = this.db.tables.personalTokens.get(id);
    if (row?.user_id === userId) this.db.tables.personalTokens.set(id, { ...row, revoked_at: new Date() });
  }

  async revokeOnPasswordChange(tx: Transaction, userId: string): Promise<void> {
    this.db.requireTransaction(tx);
    this.db.tables.revokedTokenOwners.push(userId);
  }

  private live(userId: string): PersonalTokenRow[] {
    return [...this.db.tables.personalTokens.values()].filter((row) => row.user_id === userId && row.revoked_at === null).map((row) => ({ ...row }));
  }
}

/**
 * The audit chains without their hashes: events are stored as appended and
 * searched as the real repository filters them. Its chains stream no rows, so
 * `verifyChain` finds each chain it is asked about valid and empty; the
 * hashing itself has its own specs.
 */
export class FakeAuditRepository implements Pick<AuditRepository, 'append' | 'search' | 'chains' | 'countChain' | 'streamChainRows' | 'streamChainBytes'> {
  constructor(private readonly db: FakeDatabase) {}

  async append(tx: Transaction, draft: AuditDraft): Promise<AuditEvent> {
    this.db.requireTransaction(tx);
    const events = this.db.tables.auditEvents;
    const event: AuditEvent = {
      id: events.length + 1,
      tenant_id: draft.tenantId,
      seq: events.filter((row) => row.tenant_id === draft.tenantId).length + 1,
      event_type: draft.eventType,
      actor: draft.actor,
      resource_type: draft.resourceType,
      resource_id: draft.resourceId,
      payload: draft.payload,
      ip_address: draft.ipAddress,
      user_agent: draft.userAgent,
      request_id: draft.requestId,
      timestamp: new Date().toISOString(),
      prev_hash: null,
      hash: `hash-${events.length + 1}`,
    };
    events.push(event);
    return structuredClone(event);
  }

  async search(filters: AuditFilters, window: { limit: number; offset: number; oldestFirst?: boolean }): Promise<{ rows: AuditEvent[]; count: number }> {
    const rows = this.db.tables.auditEvents.filter(
      (event) =>
        (!filters.chains || filters.chains.includes(event.tenant_id)) &&
        (!filters.eventType || (filters.eventType.endsWith('.') ? event.event_type.startsWith(filters.eventType) : event.event_type === filters.eventType)) &&
        (!filters.actorId || event.actor.id === filters.actorId) &&
        (!filters.resourceType || event.resource_type === filters.resourceType) &&
        (!filters.resourceId || event.resource_id === filters.resourceId),
    );
    const ordered = window.oldestFirst ? rows : [...rows].reverse();
    return { rows: ordered.slice(window.offset, window.offset + window.limit), count: rows.length };
  }

  async chains(): Promise<Array<string | null>> {
    const ids = [...new Set(this.db.tables.auditEvents.map((event) => event.tenant_id))];
    return [...ids.filter((id) => id === null), ...ids.filter((id): id is string => id !== null).sort()];
  }

  async countChain(tenantId: string | null): Promise<number> {
    return this.db.tables.auditEvents.filter((event) => event.tenant_id === tenantId).length;
  }

  async *streamChainRows(): AsyncGenerator<never[]> {
    yield* [];
  }

  async *streamChainBytes(): AsyncGenerator<never> {
    yield* [];
  }
}

/**
 * Every seam, backed by one fake database: give these to
 * `Test.createTestingModule` beside the real service and its rule-holding
 * collaborators (TenantAccess, ApiKeyOwners, TenantQuotaSource, ...).
 */
export function fakeSeams(db: FakeDatabase): Provider[] {
  return [
    { provide: TenantsRepository, useValue: new FakeTenantsRepository(db) },
    { provide: UsersRepository, useValue: new FakeUsersRepository(db) },
    { provide: MembershipsRepository, useValue: new FakeMembershipsRepository(db) },
    { provide: TeamsRepository, useValue: new FakeTeamsRepository(db) },
    { provide: ApiKeysRepository, useValue: new FakeApiKeysRepository(db) },
    { provide: PlansRepository, useValue: new FakePlansRepository(db) },
    { provide: UsageLedgerRepository, useValue: new FakeUsageLedgerRepository(db) },
    { provide: CreditsRepository, useValue: new FakeCreditsRepository(db) },
    { provide: ModelsRepository, useValue: new FakeModelsRepository(db) },
    { provide: RegionsRepository, useValue: new FakeRegionsRepository(db) },
    { provide: PersonalTokensRepository, useValue: new FakePersonalTokensRepository(db) },
    { provide: AuditRepository, useValue: new FakeAuditRepository(db) },
    { provide: UnitOfWork, useValue: new FakeUnitOfWork(db) },
    { provide: AuditService, useValue: new FakeAuditService(db) },
    { provide: Projector, useValue: new FakeProjector(db) },
    { provide: WebhookOutbox, useValue: new FakeWebhookOutbox(db) },
    { provide: Sessions, useValue: new FakeSessions(db) },
  ];
}

export function userPrincipal(user: Pick<UserRow, 'id' | 'email' | 'is_platform_admin'>): UserPrincipal {
  return { kind: 'user', userId: user.id, email: user.email, isPlatformAdmin: user.is_platform_admin, via: 'jwt', sessionId: null, tokenId: null, tokenExpiresAt: null };
}

/** An API key acting on its tenant with `role` (what its scopes and its owner's role allow). */
export function keyPrincipal(key: Pick<ApiKeyRow, 'id' | 'tenant_id' | 'created_by'>, role: TenantRole): ApiKeyPrincipal {
  return { kind: 'api_key', keyId: key.id, tenantId: key.tenant_id, role, ownerUserId: key.created_by, isPlatformAdmin: false };
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}
