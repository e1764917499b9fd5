import { Module } from '@nestjs/common';
import { ApiKeyOwners } from '../api-keys/api-key-owners';
import { TenantAccess } from './tenant-access';

@Module({ providers: [TenantAccess, ApiKeyOwners], exports: [TenantAccess, ApiKeyOwners] })
export class TenancyModule {}
