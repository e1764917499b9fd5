import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'sluice:public';

/** A route anyone may call: health, login, registration, refresh. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
