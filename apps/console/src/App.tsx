import { useEffect, useRef } from 'react';
import { Layout, PAGE_LABELS } from './components/Layout';
import { useCurrentPage, type Page } from './lib/router';
import { Audit } from './pages/Audit';
import { Credits } from './pages/Credits';
import { Integrations } from './pages/Integrations';
import { Keys } from './pages/Keys';
import { Limits } from './pages/Limits';
import { Members } from './pages/Members';
import { Overview } from './pages/Overview';
import { SignIn } from './pages/SignIn';
import { Tenants } from './pages/Tenants';
import { Usage } from './pages/Usage';
import { Webhooks } from './pages/Webhooks';
import { SessionProvider } from './session';

const PAGES: Record<Page, () => React.JSX.Element> = { overview: Overview, usage: Usage, keys: Keys, members: Members, audit: Audit, limits: Limits, credits: Credits, webhooks: Webhooks, integrations: Integrations, tenants: Tenants };

function CurrentPage() {
  const page = useCurrentPage();
  const first = useRef(true);
  useEffect(() => {
    document.title = `${PAGE_LABELS[page]} · Sluice console`;
    // After navigating, keyboard and screen-reader users start at the new page's content.
    if (!first.current) document.getElementById('main')?.focus();
    first.current = false;
  }, [page]);
  const Component = PAGES[page];
  return <Component />;
}

export function App() {
  return (
    <SessionProvider signIn={(onSignedIn) => <SignIn onSignedIn={onSignedIn} />}>
      <Layout>
        <CurrentPage />
      </Layout>
    </SessionProvider>
  );
}
