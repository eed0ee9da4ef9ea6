import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { Router } from 'express';
import { escapeJsonForHtml, fileCache, ownOriginCsp, setPageHeaders } from './pages';

/** Static files of the playground, all served from the gateway's own origin. */
const ASSETS: Record<string, { module: string; file: string; type: string }> = {
  'graphiql.min.js': { module: 'graphiql/package.json', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.min.css': { module: 'graphiql/package.json', file: 'graphiql.min.css', type: 'text/css' },
  'react.production.min.js': { module: 'react/package.json', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.production.min.js': { module: 'react-dom/package.json', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  // The analysts' chart: uPlot (small, no dependencies), from the installed package like GraphiQL.
  'uPlot.iife.min.js': { module: 'uplot/package.json', file: 'dist/uPlot.iife.min.js', type: 'text/javascript' },
  'uPlot.min.css': { module: 'uplot/package.json', file: 'dist/uPlot.min.css', type: 'text/css' },
};
/** The playground's own files, in public/playground. */
const LOCAL: Record<string, string> = { 'init.js': 'text/javascript', 'analyst.js': 'text/javascript', 'favicon.svg': 'image/svg+xml' };
const PUBLIC_DIR = join(__dirname, '..', '..', 'public', 'playground');

/** Only our own origin; GraphiQL's fonts are inlined as data: URLs and it sets inline styles. */
export const PLAYGROUND_CSP = ownOriginCsp({ style: "'unsafe-inline'", font: 'data:', img: 'data:' });

export interface PlaygroundExample {
  title: string;
  query: string;
  variables?: Record<string, unknown>;
}

export interface PlaygroundOptions {
  /** Pre-filled in the header editor; only in demo mode. */
  demoKey: () => string | null;
  examples: () => Promise<PlaygroundExample[]>;
}

function page(config: unknown): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Privacy gateway · playground</title>
<link rel="icon" href="/playground/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/playground/graphiql.min.css">
<link rel="stylesheet" href="/playground/uPlot.min.css">
<style>
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; }
#graphiql { flex: 1; min-height: 0; }
#analyst-bar { display: flex; gap: 8px; align-items: center; padding: 4px 12px; font: 13px system-ui, sans-serif; border-bottom: 1px solid #ddd; background: #f7f7f9; }
#analyst-bar button { font: inherit; padding: 2px 10px; cursor: pointer; }
#analyst-bar button:disabled { cursor: default; }
#analyst-status { color: #555; }
#analyst-chart { display: none; padding: 8px; font: 13px system-ui, sans-serif; border-bottom: 1px solid #ddd; min-height: 60px; }
body.chart-open #analyst-chart { display: block; }
.pg-bar { display: flex; justify-content: space-between; align-items: center; padding: 4px 16px; font: 13px system-ui, sans-serif; background: #1d4b8f; color: #fff; }
.pg-bar a { color: #fff; }
</style>
</head>
<body>
<nav class="pg-bar" aria-label="Privacy gateway"><span>Privacy gateway · playground</span><a href="/dashboard">GDPR dashboard</a></nav>
<div id="analyst-bar" role="toolbar" aria-label="Analyst tools">
<strong>Analysts</strong>
<button type="button" id="analyst-chart-toggle" aria-pressed="false" title="Chart orders and revenue per bucket of the last storeStats result">Chart</button>
<button type="button" id="analyst-csv" title="Download the first list of the last result as CSV (made in the browser)">Download CSV</button>
<span id="analyst-status"></span>
</div>
<div id="analyst-chart" aria-label="Orders and revenue per bucket"></div>
<div id="graphiql">Loading the playground…</div>
<script id="playground-config" type="application/json">${escapeJsonForHtml(config)}</script>
<script src="/playground/react.production.min.js"></script>
<script src="/playground/react-dom.production.min.js"></script>
<script src="/playground/graphiql.min.js"></script>
<script src="/playground/uPlot.iife.min.js"></script>
<script src="/playground/analyst.js"></script>
<script src="/playground/init.js"></script>
</body>
</html>`;
}

/** A browser asking for HTML (and not sending a GET query) gets the playground page. */
export function wantsPlayground(req: express.Request): boolean {
  return req.method === 'GET' && !req.query.query && (req.headers.accept ?? '').includes('text/html');
}

export function playgroundRouter(options: PlaygroundOptions): Router {
  const router = Router();
  const cached = fileCache();
  router.get('/playground/:file', (req, res, next) => {
    const name = req.params.file;
    const local = Object.hasOwn(LOCAL, name) ? LOCAL[name] : null;
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : null;
    if (!asset && !local) return next();
    const body = cached(name, () => (local ? readFileSync(join(PUBLIC_DIR, name)) : readFileSync(join(dirname(require.resolve(asset!.module)), asset!.file))));
    res.setHeader('Content-Type', `${local ?? asset!.type}; charset=utf-8`);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(body);
  });
  router.get('/graphql', async (req, res, next) => {
    if (!wantsPlayground(req)) return next();
    try {
      const config = { endpoint: '/graphql', demoKey: options.demoKey(), examples: await options.examples() };
      setPageHeaders(res, PLAYGROUND_CSP);
      res.type('html').send(page(config));
    } catch (err) {
      next(err);
    }
  });
  return router;
}
