import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'sluice:public';

/**
 * A route anyone may call (health, metrics, sign-in, registration, refresh).
 * Both apps' authentication guards refuse every other route without
 * credentials: a route is closed unless it says otherwise here.
 */
export const Public = () => SetMetadata(IS_PUBLIC, true);
