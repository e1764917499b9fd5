import { Module } from '@nestjs/common';
import { TenantAccess } from './tenant-access';

@Module({ providers: [TenantAccess], exports: [TenantAccess] })
export class TenancyModule {}
