const EMAIL = /[A-Za-z0-9._%+-]+(@|%40)([A-Za-z0-9-]+\.)+[A-Za-z]{2,}/g;

/**
 * An email address as logs may show it: the first character of the local
 * part and the domain (`j***@example.com`), enough to tell a typo from a
 * stranger without writing down who it was.
 */
export function redactEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '[redacted]';
  return `${email[0]}***@${email.slice(at + 1)}`;
}

/** Every email address in a text (a URL's query, a message), redacted as `redactEmail` does; `%40` counts as `@`. */
export function redactEmails(text: string): string {
  return text.replace(EMAIL, (match) => redactEmail(match.replace('%40', '@')));
}

/** Path segments that are secrets: an invitation's token. */
const SECRET_SEGMENTS = /(\/invitations\/)[^/?#]+(?=\/accept)/g;

/** A request URL fit for the access log: emails redacted, invitation tokens replaced. */
export function redactUrl(url: string): string {
  // Most URLs hold neither (every inference request's): two regular expressions less per access log line.
  if (!url.includes('/invitations/') && !url.includes('@') && !url.includes('%40')) return url;
  return redactEmails(url.replace(SECRET_SEGMENTS, '$1[redacted]'));
}
