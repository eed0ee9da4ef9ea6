import type { CustomerEntity, OrderEntity, VisitEventEntity, VisitorEntity } from '../../entities/store';
import type { PreferenceResult } from '../profiles/preferences';
import type { ContentStoreReport, FullPrivacyReport, SourceKind } from './report-content.service';
import { CATEGORY_NAMES } from './data-categories';

/**
 * The report as one self-contained HTML document a shop can hand to the person (the `html`
 * field): inline CSS only, no script, no URL of any kind in an attribute, and a
 * Content-Security-Policy that would block anything external even if it slipped in.
 *
 * Every value from the data is escaped by the `html` tag below: interpolations are text unless
 * they are themselves `Html` built by the tag, so a value can never become markup.
 */

class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

type Part = Html | string | number | boolean | null | undefined | Part[];

const render = (v: Part): string => {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
};

function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  values.forEach((v, i) => (out += render(v) + strings[i + 1]));
  return new Html(out);
}

const when = (d: Date): string => d.toISOString().replace('T', ' ').replace(/:\d\d\.\d{3}Z$/, ' UTC');
const day = (d: Date): string => d.toISOString().slice(0, 10);
const time = (d: Date): Html => html`<time datetime="${d.toISOString()}">${when(d)}</time>`;
const dayTime = (d: Date): Html => html`<time datetime="${d.toISOString()}">${day(d)}</time>`;
const orNone = (v: string | number | null | undefined): Part => (v === null || v === undefined || v === '' ? html`<span class="none">not held</span>` : v);


const SOURCE_UNITS: Record<SourceKind, [string, string]> = {
  customers: ['customer record', 'customer records'],
  orders: ['order', 'orders'],
  visitors: ['visitor ID', 'visitor IDs'],
  preferences: ['preference profile', 'preference profiles'],
};

const EVENT_NAMES: Record<string, string> = { PAGE_VIEW: 'Page viewed', CONTENT_VIEW: 'Content shown to you', CLICK: 'Click on shown content' };

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.5;color:#1d2330;background:#fff;margin:0 auto;max-width:62rem;padding:1.5rem}
h1{font-size:1.7rem;margin:0 0 .5rem}h2{font-size:1.35rem;margin-top:2.5rem;border-bottom:2px solid #2c5d8f;padding-bottom:.2rem}
h3{font-size:1.1rem;margin-top:1.6rem}h4{font-size:1rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}th,td{border:1px solid #c9d1dc;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#eef2f7;font-weight:600}th[scope=row]{width:14rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
.none{color:#6b7380;font-style:italic}.lead{font-size:1.05rem}.meta{color:#4a5260}
section.store{margin-top:2rem}footer{margin-top:3rem;border-top:1px solid #c9d1dc;padding-top:.8rem;color:#4a5260;font-size:.9rem}
@media print{body{max-width:none;padding:0}h2{break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}}
`;

/** No script, style or image from anywhere: the document is complete as it is. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'";

function customerSection(customers: CustomerEntity[], preferences: PreferenceResult[]): Html {
  if (customers.length === 0) return html``;
  return html`<h3>Your customer record</h3>
${customers.map((c, i) => {
    const attributes = Object.entries(c.attributes ?? {});
    const prefs = preferences[i];
    return html`<table>
<caption>Customer ${c.id}</caption>
<tbody>
<tr><th scope="row">Customer ID</th><td>${c.id}</td></tr>
<tr><th scope="row">E-mail address</th><td>${orNone(c.email)}</td></tr>
<tr><th scope="row">Name</th><td>${orNone(c.name)}</td></tr>
<tr><th scope="row">Age</th><td>${orNone(c.age)}</td></tr>
<tr><th scope="row">Gender</th><td>${orNone(c.gender)}</td></tr>
<tr><th scope="row">City</th><td>${orNone(c.city)}</td></tr>
${attributes.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>\n`)}<tr><th scope="row">Record created</th><td>${time(c.createdAt)}</td></tr>
<tr><th scope="row">Last updated</th><td>${time(c.updatedAt)}</td></tr>
</tbody>
</table>
${prefs && (prefs.topProducts.length || prefs.topCategories.length) ? preferencesTable(prefs) : ''}`;
  })}`;
}

function preferencesTable(p: PreferenceResult): Html {
  return html`<h4>Purchase preferences worked out from your clicks and purchases</h4>
<table>
<thead><tr><th scope="col">Product or category</th><th scope="col">Kind</th><th scope="col">Score</th></tr></thead>
<tbody>
${p.topProducts.map((x) => html`<tr><td>${x.productId}</td><td>Product</td><td>${x.score}</td></tr>\n`)}${p.topCategories.map((x) => html`<tr><td>${x.name}</td><td>Category</td><td>${x.score}</td></tr>\n`)}</tbody>
</table>
`;
}

/** Items grouped by a key in one pass (a person may have thousands of events and order lines). */
function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function ordersSection(s: ContentStoreReport): Html {
  if (s.orders.length === 0) return html``;
  const linesOf = groupBy(s.lines, (l) => l.orderId);
  return html`<h3>Your orders</h3>
${s.orders.map((o: OrderEntity) => {
    const lines = linesOf.get(o.id) ?? [];
    return html`<table>
<caption>Order ${o.id}, placed ${time(o.createdAt)}, total ${o.total.toFixed(2)} ${o.currency}</caption>
<thead><tr><th scope="col">Product</th><th scope="col">Quantity</th><th scope="col">Unit price</th></tr></thead>
<tbody>
${lines.length ? lines.map((l) => html`<tr><td>${l.productId}</td><td>${l.quantity}</td><td>${l.unitPrice.toFixed(2)} ${o.currency}</td></tr>\n`) : html`<tr><td colspan="3" class="none">No order lines held</td></tr>\n`}</tbody>
</table>
<p class="meta">Linked to you by ${[o.customerId ? `customer ID ${o.customerId}` : null, o.email ? `e-mail address ${o.email}` : null, o.visitorId ? `visitor ID ${o.visitorId}` : null].filter(Boolean).join(', ') || 'nothing any more (anonymized)'}.</p>
`;
  })}`;
}

function visitorsSection(s: ContentStoreReport): Html {
  if (s.visitors.length === 0) return html``;
  const retention = new Map(s.content.retention.visitors.map((v) => [v.visitorId, v]));
  const eventsOf = groupBy(s.events, (e) => e.visitorId);
  return html`<h3>Your visits to the shop's website</h3>
<p>A visitor ID is a random code the shop's website keeps in your browser, so visits from the same browser can be told apart from others.</p>
${s.visitors.map((v: VisitorEntity) => {
    const events = eventsOf.get(v.id) ?? [];
    const r = retention.get(v.id);
    return html`<h4>Visitor ID ${v.id}</h4>
<table>
<tbody>
<tr><th scope="row">First seen</th><td>${time(v.firstSeenAt)}</td></tr>
<tr><th scope="row">Last seen</th><td>${time(v.lastSeenAt)}</td></tr>
${v.email ? html`<tr><th scope="row">E-mail address</th><td>${v.email}</td></tr>\n` : ''}${r ? html`<tr><th scope="row">Kept for</th><td>${r.retentionMonths} ${r.retentionMonths === 1 ? 'month' : 'months'} after your last visit, until ${dayTime(r.retainedUntil)} unless you visit again</td></tr>\n` : ''}</tbody>
</table>
<table>
<caption>Visit log of ${v.id} (${events.length} ${events.length === 1 ? 'entry' : 'entries'})</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Page</th><th scope="col">Product</th><th scope="col">Content</th><th scope="col">Time spent</th></tr></thead>
<tbody>
${events.length ? events.map(eventRow) : html`<tr><td colspan="6" class="none">No entries held</td></tr>\n`}</tbody>
</table>
`;
  })}`;
}

const eventRow = (e: VisitEventEntity): Html =>
  html`<tr><td>${time(e.occurredAt)}</td><td>${EVENT_NAMES[e.type] ?? e.type}</td><td>${orNone(e.url)}</td><td>${orNone(e.productId)}</td><td>${orNone(e.contentId)}</td><td>${e.durationSeconds === null ? orNone(null) : `${e.durationSeconds} s`}</td></tr>\n`;

function contentSection(s: ContentStoreReport): Html {
  const c = s.content;
  return html`<h3>Why the data is processed</h3>
<ul>
${c.purposes.map((p) => html`<li>${p.description}${p.dataCategories.length ? html` <span class="meta">(uses: ${p.dataCategories.map((k) => CATEGORY_NAMES[k].replace(/ \(.*$/, '').toLowerCase()).join(', ')})</span>` : ''}</li>\n`)}</ul>
<h3>Who else processes it</h3>
<p>The platform uses these companies (sub-processors) to provide its service to the shop:</p>
<table>
<thead><tr><th scope="col">Recipient</th><th scope="col">Legal entity</th><th scope="col">Where</th><th scope="col">Inside the EU/EEA</th><th scope="col">Safeguard for transfers</th><th scope="col">Purpose</th></tr></thead>
<tbody>
${c.recipients.map((r) => html`<tr><td>${r.name}</td><td>${r.legalEntity}</td><td>${r.location} (${r.country})</td><td>${r.inEea ? 'Yes' : 'No'}</td><td>${r.transferMechanism ?? (r.inEea ? 'None needed: inside the EU/EEA' : html`<span class="none">not stated</span>`)}</td><td>${r.purpose}</td></tr>\n`)}</tbody>
</table>
<h3>How long it is kept</h3>
<p>${c.retention.rule}</p>
${c.retention.visitors.length ? html`<table>
<thead><tr><th scope="col">Visitor ID</th><th scope="col">Kept for</th><th scope="col">Kept until (unless you visit again)</th></tr></thead>
<tbody>
${c.retention.visitors.map((v) => html`<tr><td>${v.visitorId}</td><td>${v.retentionMonths} ${v.retentionMonths === 1 ? 'month' : 'months'}</td><td>${dayTime(v.retainedUntil)}</td></tr>\n`)}</tbody>
</table>
` : ''}<p>${c.retention.otherData}</p>
<p>${c.retention.backups}</p>
<h3>Where the data comes from</h3>
<ul>
${c.sources.map((x) => html`<li>${x.description} <span class="meta">(${x.records} ${SOURCE_UNITS[x.kind][x.records === 1 ? 0 : 1]})</span></li>\n`)}</ul>
`;
}

function storeSection(s: ContentStoreReport): Html {
  const held = s.customers.length + s.orders.length + s.visitors.length > 0;
  return html`<section class="store">
<h2>${s.store.name}</h2>
${held ? html`<h3>What is held about you</h3>
<ul>
${s.dataCategories.map((c) => html`<li>${CATEGORY_NAMES[c]}</li>\n`)}</ul>
${customerSection(s.customers, s.preferences)}${ordersSection(s)}${visitorsSection(s)}${contentSection(s)}` : html`<p>No personal data about you is held for this shop.</p>
`}</section>
`;
}

const RIGHTS = html`<section>
<h2>Your rights</h2>
<p>The shop decides what is done with this data (it is the <em>controller</em>); the platform processes it on the shop's behalf. Ask the shop to exercise any of these rights:</p>
<ul>
<li><strong>Access</strong>: this report is your copy of the data; the shop can also give it to you in a machine-readable form.</li>
<li><strong>Rectification</strong>: have data that is wrong corrected.</li>
<li><strong>Erasure</strong>: have the data erased. Your customer record, visitor IDs and visit log are deleted; your orders are kept for the shop's accounts without anything that identifies you.</li>
<li><strong>Restriction</strong>: have the processing limited while a question about it is settled.</li>
<li><strong>Objection</strong>: object to the processing, including the personalization based on your behaviour and any direct marketing, at any time.</li>
<li><strong>Portability</strong>: receive the data you provided in a machine-readable form, or have it sent to another company.</li>
<li><strong>Complaint</strong>: complain to a data-protection supervisory authority, in particular where you live or work or where you think the rules were broken.</li>
</ul>
<p>Personalization uses your behaviour to choose what you are shown; no decision with legal or similarly significant effect on you is made by it.</p>
</section>
`;

/** The report rendered for the person: one complete HTML document. */
export function reportHtml(report: FullPrivacyReport): string {
  const names = [...new Set(report.stores.map((s) => s.store.name))];
  const doc = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Your personal data: report of ${day(report.generatedAt)}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<header>
<h1>Your personal data</h1>
<p class="lead">This report lists the personal data held about you for ${names.length ? names.join(', ') : 'no shop'}, why it is processed, who receives it, how long it is kept and where it comes from, as of ${time(report.generatedAt)}.</p>
</header>
<main>
${report.stores.map(storeSection)}${RIGHTS}</main>
<footer>
<p>Generated ${time(report.generatedAt)} by the shop's personalization platform, on the shop's request.</p>
</footer>
</body>
</html>
`;
  return doc.value;
}
