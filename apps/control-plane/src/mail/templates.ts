/** What one kind of message says; each kind has exactly one template. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailTemplates {
  verification_code: { code: string; minutes: number };
  invitation: { tenantName: string; role: string; token: string; acceptUrl: string; days: number };
}

export type MailKind = keyof MailTemplates;

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] as string);

const RENDERERS: { [K in MailKind]: (values: MailTemplates[K]) => RenderedMail } = {
  verification_code: ({ code, minutes }) => ({
    subject: `Your Sluice code: ${code}`,
    text: `Your Sluice verification code is ${code}.\n\nIt works once and expires in ${minutes} minutes. If you did not ask for it, ignore this message.\n`,
    html: `<p>Your Sluice verification code is <strong style="font-size:1.4em;letter-spacing:0.2em">${escapeHtml(code)}</strong>.</p><p>It works once and expires in ${minutes} minutes. If you did not ask for it, ignore this message.</p>`,
  }),
  invitation: ({ tenantName, role, token, acceptUrl, days }) => ({
    subject: `You are invited to ${tenantName} on Sluice`,
    text:
      `You are invited to join ${tenantName} on Sluice as ${role}.\n\n` +
      `Invitation token: ${token}\n\n` +
      `Accept it within ${days} days by sending your password and name:\n` +
      `  curl -X POST ${acceptUrl} -H 'content-type: application/json' -d '{"password":"…","first_name":"…","last_name":"…"}'\n\n` +
      `The token works once. If you did not expect this, ignore this message.\n`,
    html:
      `<p>You are invited to join <strong>${escapeHtml(tenantName)}</strong> on Sluice as ${escapeHtml(role)}.</p>` +
      `<p>Invitation token: <code>${escapeHtml(token)}</code></p>` +
      `<p>Accept it within ${days} days: <code>POST ${escapeHtml(acceptUrl)}</code> with your password, first_name and last_name.</p>` +
      `<p>The token works once. If you did not expect this, ignore this message.</p>`,
  }),
};

export function renderMail<K extends MailKind>(kind: K, values: MailTemplates[K]): RenderedMail {
  return RENDERERS[kind](values);
}
