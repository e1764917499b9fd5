import { HttpException } from '@nestjs/common';
import { ERROR_CATALOG, type ErrorCode } from '@sluice/contracts';

/**
 * The base of every domain exception: a code from the contract's catalogue,
 * whose status the one exception filter looks up. Domains subclass it
 * (`TenantException`, ...) only to name where an error comes from.
 */
export class SluiceException extends HttpException {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly param: string | null = null,
    /** Response headers the error answer carries (`Retry-After`, rate-limit state); the filter sets them. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message, ERROR_CATALOG[code].status);
  }
}
