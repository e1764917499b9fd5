export type { components, operations, paths } from './generated/schema';
export { createSluiceClient, ok, type Provided, type SluiceClient, type SluiceClientOptions } from './lib/client';
export { isErrorResponse, SluiceApiError, toApiError, type ApiErrorBody, type ApiErrorCode } from './lib/errors';
export { pageCount, pageOf, paginate, type Page } from './lib/pagination';

import type { components } from './generated/schema';
/** The API's named schemas: `Schemas['ApiKeyResponseDto']`. */
export type Schemas = components['schemas'];
