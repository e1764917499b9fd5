import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { RequestContextInterceptor } from './request-context';

/** Keeps each request's id, address and principal where the audit trail reads them. */
@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor }] })
export class RequestContextModule {}
