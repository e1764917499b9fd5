import { SluiceApiError } from '@sluice/client';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';

/** Email and password; the API sets the HttpOnly session cookie and the CSRF cookie. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await ok(api.POST('/api/auth/login', { body: { email, password } }));
      onSignedIn();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const fields = error instanceof SluiceApiError ? error.fieldErrors() : {};
  return (
    <main className="sign-in">
      <h1>Sign in to Sluice</h1>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Field label="Email" error={fields['email']}>
          {(props) => <input {...props} type="email" name="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />}
        </Field>
        <Field label="Password" error={fields['password']}>
          {(props) => (
            <input {...props} type="password" name="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
          )}
        </Field>
        {Object.keys(fields).length === 0 && <ErrorMessage error={error} />}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
