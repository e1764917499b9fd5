/**
 * `@sluice/platform/openapi`: the OpenAPI side of the platform (the error
 * shape's response DTOs, page schemas, the pagination query DTO), all built on
 * `@nestjs/swagger`. Apart from `@sluice/platform` so that an app serving no
 * OpenAPI document (the gateway) never loads Swagger (docs/decisions.md, issue 22).
 */
export * from './lib/openapi/openapi-responses';
export * from './lib/pagination/pagination-query.dto';
