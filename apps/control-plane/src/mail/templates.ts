/** What one kind of message says; each kind has exactly one template. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailTemplates {
  verification_code: { code: string; minutes: number };
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
};

export function renderMail<K extends MailKind>(kind: K, values: MailTemplates[K]): RenderedMail {
  return RENDERERS[kind](values);
}
