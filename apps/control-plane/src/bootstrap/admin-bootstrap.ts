import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBase62 } from '@sluice/auth';
import { UnitOfWork, UsersRepository } from '@sluice/control-plane/data-access';
import { Passwords } from '../auth/passwords';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SchemaReady } from '../database/schema-ready';
import { UsersService } from '../users/users.service';

/** Advisory-lock key for bootstrap, so that replicas starting together create one admin. */
const BOOTSTRAP_LOCK = 0x5b00;
export const DEFAULT_ADMIN_EMAIL = 'admin@sluice.local';

/**
 * On a database without users, creates the platform admin from
 * `SLUICE_ADMIN_EMAIL`/`SLUICE_ADMIN_PASSWORD`; without a password, a random
 * one is generated and logged once (docs/operations.md, Configuration).
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly users: UsersRepository,
    private readonly userAccounts: UsersService,
    private readonly passwords: Passwords,
    private readonly unitOfWork: UnitOfWork,
    private readonly schema: SchemaReady,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.schema.whenMigrated('creating the platform admin', () => this.createAdminIfNone());
  }

  private async createAdminIfNone(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const email = this.config.admin.email ?? DEFAULT_ADMIN_EMAIL;
    const generated = this.config.admin.password === null;
    const password = this.config.admin.password ?? randomBase62(20);
    const passwordHash = await this.passwords.hash(password);
    const created = await this.unitOfWork.run(async (tx) => {
      await tx.manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      if ((await tx.manager.query('SELECT 1 FROM users LIMIT 1')).length > 0) return false;
      await this.userAccounts.insert(tx, { email, passwordHash, isPlatformAdmin: true, firstName: 'Platform', lastName: 'Admin' });
      return true;
    });
    if (!created) return;
    if (generated) this.logger.warn(`Created platform admin ${email} with generated password ${password} (shown once; set SLUICE_ADMIN_PASSWORD to choose it)`);
    else this.logger.log(`Created platform admin ${email}`);
  }
}
