/** A slug from a tenant name: lower-case words joined by dashes, padded to the 3-character minimum. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug.length >= 3 && slug !== 'auth' ? slug : `${slug || 'tenant'}-${Math.random().toString(36).slice(2, 8)}`;
}
