/** The console shell: header with navigation and the broker's reachability, and the page for the current URL. */
import { render, type JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, authState, isBrokerUp, onAuth, onConnection, signOut, type AuthState } from './api.js';
import { Link } from './components.js';
import { DeadLetterGroups, DeadLetterList } from './pages/dead-letters.js';
import { GroupDetail, GroupList } from './pages/groups.js';
import { MessageDetail, MessageSearch } from './pages/messages.js';
import { Overview } from './pages/overview.js';
import { TopicDetail, TopicList } from './pages/topics.js';
import { Transactions } from './pages/transactions.js';
import { useLocation } from './router.js';
import { TokenForm } from './sign-in.js';

const NAV: Array<[string, string]> = [
  ['/', 'Overview'],
  ['/topics', 'Topics'],
  ['/groups', 'Consumer groups'],
  ['/messages', 'Messages'],
  ['/dead-letters', 'Dead letters'],
  ['/transactions', 'Transactions'],
];

function page(path: string, query: URLSearchParams): JSX.Element {
  const parts = path.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  const [first, second] = parts;
  switch (first) {
    case undefined:
      return <Overview />;
    case 'topics':
      return second ? <TopicDetail name={second} /> : <TopicList />;
    case 'groups':
      return second ? <GroupDetail name={second} /> : <GroupList />;
    case 'messages':
      return second ? <MessageDetail id={second} /> : <MessageSearch topic={query.get('topic') ?? ''} searchKey={query.get('key') ?? ''} />;
    case 'dead-letters':
      return second ? <DeadLetterList group={second} /> : <DeadLetterGroups />;
    case 'transactions':
      return <Transactions />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>There is no console page at {path}.</p>
        </section>
      );
  }
}

/** Watches the broker: while it is away, a banner says so; /healthz is polled until it answers again. */
function useBrokerUp(): boolean {
  const [up, setUp] = useState(isBrokerUp());
  useEffect(() => onConnection(setUp), []);
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (!isBrokerUp()) void api('GET', '/healthz').catch(() => undefined);
    }, 2000);
    return () => clearInterval(timer);
  }, []);
  return up;
}

function useAuth(): AuthState {
  const [state, setState] = useState(authState());
  useEffect(() => onAuth(setState), []);
  return state;
}

function App(): JSX.Element {
  const { path, query } = useLocation();
  const up = useBrokerUp();
  const auth = useAuth();
  const active = (href: string): boolean => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  return (
    <>
      <header class="top">
        <span class="brand">Apogee</span>
        <nav>
          {NAV.map(([href, label]) => (
            <Link href={href} class={active(href) ? 'active' : ''}>
              {label}
            </Link>
          ))}
        </nav>
        <span class={`conn ${up ? 'up' : 'down'}`} data-testid="connection">
          {up ? '● connected' : '● broker unreachable'}
        </span>
        {auth.signedIn ? (
          <button type="button" class="sign-out" onClick={signOut}>
            Sign out
          </button>
        ) : null}
      </header>
      <main>
        {up ? null : (
          <div class="banner down" role="alert" data-testid="broker-down">
            The broker does not answer. The page keeps retrying and recovers by itself when it is back.
          </div>
        )}
        {/* While the token is missing or refused the page is not mounted: it would only poll into more 401s. */}
        {auth.refusal !== undefined ? <TokenForm refusal={auth.refusal} /> : page(path, query)}
      </main>
    </>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the static "Loading…" placeholder; Preact would otherwise render next to it
render(<App />, root);
