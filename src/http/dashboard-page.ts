import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from 'express';
import { escapeJsonForHtml, fileCache, ownOriginCsp, setPageHeaders } from './pages';

/** The dashboard's own files, in public/dashboard: plain scripts and styles, no bundler. */
const FILES: Record<string, string> = {
  'dashboard.js': 'text/javascript',
  'dashboard.css': 'text/css',
  'labels-en.js': 'text/javascript',
  'labels-da.js': 'text/javascript',
  'favicon.svg': 'image/svg+xml',
};
const PUBLIC_DIR = join(__dirname, '..', '..', 'public', 'dashboard');

/** Stricter than the playground's: no inline style either, nothing but our own origin. */
export const DASHBOARD_CSP = ownOriginCsp();

/**
 * Everything the page shows, in one request to the public API. None of it is personal data,
 * so a key without PERSONAL_DATA_READ sees all of it.
 */
export const DASHBOARD_QUERY = `query GdprDashboardPage {
  company {
    id
    name
    gdprDashboard {
      subProcessors {
        inUse
        subProcessor { id name legalEntity purpose country location inEea transferMechanism dataCategories }
        usedBy { store { id name } products }
      }
      stores {
        store {
          id
          name
          settings { collectEmails trackPageViews trackContentViews trackClicks collectCrm products retentionMinMonths retentionMaxMonths }
        }
        browsingHistory purchasePreferences emailAddress orderHistory crm
        counts { visitors customersWithPreferences emailAddresses orders customersWithCrm }
        location { engine server dataRegion backupRegion }
      }
      activity {
        since
        until
        days
        forgetRequests { pending completed failed }
        failedToRetry { id requestedAt failure store { id name } }
        failedToRetryCount
        backupsClearBy
        purges { store { id name } runs visitorsDeleted eventsDeleted lastRun { status startedAt finishedAt visitorsDeleted eventsDeleted } }
      }
    }
  }
}`;

export interface DashboardPageOptions {
  /** Pre-filled in the key field; only in demo mode. */
  demoKey: () => string | null;
}

function page(config: unknown): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>GDPR dashboard · Privacy gateway</title>
<link rel="icon" href="/dashboard/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard/dashboard.css">
</head>
<body>
<a class="skip-link" href="#main" data-label="skipToContent">Skip to content</a>
<div id="app"><p class="loading">Loading the GDPR dashboard…</p></div>
<noscript><p>The GDPR dashboard needs JavaScript: it reads the gateway's GraphQL API with your key.</p></noscript>
<script id="dashboard-config" type="application/json">${escapeJsonForHtml(config)}</script>
<script src="/dashboard/labels-en.js"></script>
<script src="/dashboard/labels-da.js"></script>
<script src="/dashboard/dashboard.js"></script>
</body>
</html>`;
}

/** `GET /dashboard`: the GDPR dashboard as a page, built only on the public GraphQL API. */
export function dashboardRouter(options: DashboardPageOptions): Router {
  const router = Router();
  const cached = fileCache();
  router.get('/dashboard/:file', (req, res, next) => {
    const name = req.params.file;
    if (!Object.hasOwn(FILES, name)) return next();
    const body = cached(name, () => readFileSync(join(PUBLIC_DIR, name)));
    setPageHeaders(res, DASHBOARD_CSP);
    res.setHeader('Content-Type', `${FILES[name]}; charset=utf-8`);
    res.setHeader('Cache-Control', 'no-cache');
    res.send(body);
  });
  router.get('/dashboard', (_req, res) => {
    setPageHeaders(res, DASHBOARD_CSP);
    // The page may carry the demo key: never cached.
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(page({ endpoint: '/graphql', demoKey: options.demoKey(), query: DASHBOARD_QUERY }));
  });
  return router;
}
