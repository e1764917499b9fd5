import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ERROR_CATALOG, type ErrorCode, type ErrorResponse, type ErrorType } from '@sluice/contracts';

/** True when A and B describe the same fields with the same types: keeps a response DTO in step with the view it documents. */
export type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const ERROR_TYPES: ErrorType[] = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'conflict_error',
  'billing_error',
  'rate_limit_error',
  'api_error',
  'server_error',
];

export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_CATALOG), description: 'Stable machine word', example: 'validation_error' })
  code!: ErrorCode;

  @ApiProperty({ example: 'Validation failed' })
  message!: string;

  @ApiProperty({ enum: ERROR_TYPES, description: 'OpenAI/Anthropic-style error family' })
  type!: ErrorType;

  @ApiProperty({ type: String, nullable: true, description: 'The offending parameter where there is exactly one' })
  param!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Validation errors: field path → messages; otherwise free-form context' })
  details!: Record<string, unknown>;
}

/** Every failure of either service, whatever produced it (README.md, "API: the gateway"). */
export class ErrorResponseDto {
  @ApiProperty({ type: ErrorBodyDto })
  error!: ErrorBodyDto;
}

const _errorInSync: SameShape<ErrorResponse, ErrorResponseDto> = true;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed or fails validation',
  401: 'No credentials, or invalid or expired ones',
  403: 'The caller may not do this',
  404: 'No such resource, or one of another tenant',
  409: 'The change conflicts with the current state',
  410: 'The link or code was used, revoked or has expired',
  413: 'The body is too large',
  429: 'Too many requests: retry after the time in Retry-After',
  502: 'An upstream provider refused or failed the request',
  503: 'A dependency is unavailable',
};

/** The error answers a controller (or one route) may give, each in the error shape. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, type: ErrorResponseDto, description: ERROR_DESCRIPTIONS[status] ?? 'Error' })));
}

/** The schema of one page of a list: the total, links to the neighbouring pages, and the rows. */
export function pageSchema(item: Type<unknown>): SchemaObject {
  return {
    type: 'object',
    required: ['count', 'next', 'previous', 'results'],
    properties: {
      count: { type: 'integer', description: 'Rows across every page' },
      next: { type: 'string', nullable: true, description: 'Link to the next page; null on the last' },
      previous: { type: 'string', nullable: true, description: 'Link to the previous page; null on the first' },
      results: { type: 'array', items: { $ref: getSchemaPath(item) } },
    },
  };
}

/** A 200 answered with one page of `item`s. */
export function ApiPageResponse(item: Type<unknown>, description?: string): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiExtraModels(item), ApiOkResponse({ schema: pageSchema(item), description }));
}
