import { useState } from 'react';

/** A secret the API shows this once: selectable, with a copy button, and a button to dismiss it for good. */
export function SecretOnce({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = () =>
    navigator.clipboard.writeText(secret).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  return (
    <section className="secret" aria-labelledby="secret-title">
      <h2 id="secret-title">{label}</h2>
      <p>Copy it now: it is shown only this once and cannot be read again.</p>
      <output className="secret-value" data-testid="secret-value">
        {secret}
      </output>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          I have stored it
        </button>
        <span role="status">{copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed: select the text and copy it' : ''}</span>
      </div>
    </section>
  );
}
