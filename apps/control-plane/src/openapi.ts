import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { IS_PUBLIC } from '@sluice/platform';
import { ErrorResponseDto } from '@sluice/platform/openapi';
import { ACCESS_COOKIE } from './auth/credentials';

/** The credentials every route not marked `@Public()` accepts (BearerStrategy tells them apart by shape). */
const SECURITY_SCHEMES = ['jwt', 'token', 'api_key', 'session_cookie'] as const;

/** Interactive OpenAPI at /docs (JSON at /docs-json), generated from controllers and DTOs. */
export function setUpOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}

/** The document /docs-json serves; also written without a database or a listener by `openapi-document.ts`. */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Sluice control plane')
      .setDescription('Tenants, users, API keys, audit, billing and the model catalog of the Sluice AI platform.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from sign-in or refresh' }, 'jwt')
      .addApiKey(
        { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Token <credential>`: an access token or a personal access token (`slp_…`); `Bearer` is accepted as well' },
        'token',
      )
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'slk_…', description: "A tenant API key with the `read` scope; it acts within its owner's role" }, 'api_key')
      .addCookieAuth(ACCESS_COOKIE, { type: 'apiKey', in: 'cookie', description: 'The browser session; mutations also send its CSRF token in X-CSRF-Token' }, 'session_cookie')
      .build(),
  );
  secureOperations(document, publicOperationIds(app));
  return document;
}

/**
 * Operation ids (`Controller_method`, swagger's default) of the handlers
 * marked `@Public()`: the same metadata the authentication guard reads, so
 * the document cannot disagree with it.
 */
function publicOperationIds(app: NestFastifyApplication): Set<string> {
  const ids = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const classPublic = Reflect.getMetadata(IS_PUBLIC, metatype) === true;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const method of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[method];
        if (method === 'constructor' || typeof handler !== 'function') continue;
        const handlerPublic = Reflect.getMetadata(IS_PUBLIC, handler) as boolean | undefined;
        if (handlerPublic ?? classPublic) ids.add(`${metatype.name}_${method}`);
      }
    }
  }
  return ids;
}

/** Every operation but the public ones requires one of the schemes, and may answer 401. */
function secureOperations(document: OpenAPIObject, publicIds: Set<string>): void {
  for (const path of Object.values(document.paths)) {
    for (const operation of [path.get, path.put, path.post, path.delete, path.options, path.head, path.patch, path.trace]) {
      // A handler with several paths gets `Controller_method[i]`, one id per path.
      if (!operation || publicIds.has((operation.operationId ?? '').replace(/\[\d+\]$/, ''))) continue;
      operation.security = SECURITY_SCHEMES.map((scheme) => ({ [scheme]: [] }));
      operation.responses['401'] ??= {
        description: 'No credentials, or invalid or expired ones',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${ErrorResponseDto.name}` } } },
      };
    }
  }
}
