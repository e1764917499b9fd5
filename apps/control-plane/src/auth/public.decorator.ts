/** `@Public()` marks the routes anyone may call; every other route needs a principal (AuthenticationGuard). */
export { IS_PUBLIC, Public } from '@sluice/platform';
