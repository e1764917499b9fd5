/** The context a region's sealed admin URL authenticates, so it opens for that region only (docs/private-ai-keys.md). */
export const regionDatabaseContext = (regionId: string): string => `region_database:${regionId}`;
