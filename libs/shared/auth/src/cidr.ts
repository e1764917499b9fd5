/** `@sluice/auth/cidr`: the CIDR parsers alone, for configuration loaded before any app (no JWT, HTTP or contracts code). */
export * from './lib/ip-allow-list';
export * from './lib/cidr-list';
