import { startMailCatcher, type CaughtMessage, type MailCatcher } from '@sluice/mail-catcher';

export { startMailCatcher, type MailCatcher };

/** The newest message to `to` whose text matches, read from the catcher over HTTP (as a person would read their inbox), polled until `deadlineMs`. */
export async function awaitMail(catcher: MailCatcher, to: string, pattern: RegExp, { after = 0, deadlineMs = 10_000 } = {}): Promise<CaughtMessage> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const messages = (await (await fetch(`${catcher.httpUrl}/messages?to=${encodeURIComponent(to)}`)).json()) as CaughtMessage[];
    const found = messages.slice(0, Math.max(0, messages.length - after)).find((message) => pattern.test(message.text));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${pattern} within ${deadlineMs} ms (saw ${messages.length})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How many messages `to` has received so far. */
export async function mailCount(catcher: MailCatcher, to: string): Promise<number> {
  return ((await (await fetch(`${catcher.httpUrl}/messages?to=${encodeURIComponent(to)}`)).json()) as CaughtMessage[]).length;
}

/** The 6-digit code of the newest code message to `to` that arrived after the first `after` messages. */
export async function awaitCode(catcher: MailCatcher, to: string, after = 0): Promise<string> {
  const message = await awaitMail(catcher, to, /verification code is \d{6}/, { after });
  return (/verification code is (\d{6})/.exec(message.text) as RegExpExecArray)[1];
}
