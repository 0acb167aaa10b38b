/** The admin token form, shown instead of a page when the broker answers 401 UNAUTHORIZED (auth is on). */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { signIn } from './api.js';

export function TokenForm(props: { refusal: string }): JSX.Element {
  const [token, setToken] = useState('');
  const [empty, setEmpty] = useState(false);
  const submit = (e: Event): void => {
    // Never a native submit: the token must not end up in a URL.
    e.preventDefault();
    const t = token.trim();
    if (t.length === 0) {
      setEmpty(true);
      return;
    }
    setToken('');
    signIn(t);
  };
  return (
    <section data-testid="sign-in">
      <h1>Sign in</h1>
      <p>Authentication is on: the admin API needs the broker's admin token (<code>auth.adminToken</code>). It is kept for this tab only.</p>
      <div class="banner error" role="alert">
        {empty ? 'Enter the admin token.' : props.refusal}
      </div>
      <form class="inline" method="post" onSubmit={submit}>
        <label>
          Admin token{' '}
          <input type="password" name="token" autocomplete="current-password" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </section>
  );
}
