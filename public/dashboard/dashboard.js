// The GDPR dashboard page. Plain script, no framework: it reads the public GraphQL API with a
// key held in this closure only (never in localStorage, sessionStorage, cookies or the URL)
// and builds the page with DOM calls, so no value from the API is ever parsed as HTML.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('dashboard-config').textContent);
  var LABELS = window.DashboardLabels;
  var LANGS = ['en', 'da'];
  var DATA_TYPES = [
    ['browsingHistory', 'visitors'],
    ['purchasePreferences', 'customersWithPreferences'],
    ['emailAddress', 'emailAddresses'],
    ['orderHistory', 'orders'],
    ['crm', 'customersWithCrm'],
  ];
  var SETTINGS = [
    ['collectEmails', 'settingCollectEmails'],
    ['trackPageViews', 'settingTrackPageViews'],
    ['trackContentViews', 'settingTrackContentViews'],
    ['trackClicks', 'settingTrackClicks'],
    ['collectCrm', 'settingCollectCrm'],
  ];

  var state = {
    key: config.demoKey || null, // in memory only
    lang: initialLanguage(),
    data: null,
    error: null,
    loading: false,
  };

  // ---- language ----------------------------------------------------------------------------

  function initialLanguage() {
    var asked = new URLSearchParams(location.search).get('lang');
    if (asked && LANGS.indexOf(asked) >= 0) return asked;
    var prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
    for (var i = 0; i < prefs.length; i++) {
      var base = String(prefs[i]).toLowerCase().split('-')[0];
      if (base === 'da') return 'da';
      if (base === 'en') return 'en';
      // Norwegian and Swedish readers read Danish more easily than English? Not assumed.
    }
    return 'en';
  }

  function t(key, values) {
    var text = LABELS[state.lang][key];
    if (text === undefined) text = LABELS.en[key];
    if (typeof text !== 'string') return text;
    return text.replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined ? String(values[name]) : '';
    });
  }

  function setLanguage(lang) {
    state.lang = lang;
    // The choice lives in the address (shareable, printable), never in the browser's storage.
    var url = new URL(location.href);
    url.searchParams.set('lang', lang);
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    render();
  }

  // ---- formatting --------------------------------------------------------------------------

  function locale() {
    return t('locale');
  }
  function num(n) {
    return new Intl.NumberFormat(locale()).format(n);
  }
  function date(iso) {
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'long' }).format(new Date(iso));
  }
  function dateTime(iso) {
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
  }
  function country(code) {
    try {
      return new Intl.DisplayNames([locale()], { type: 'region' }).of(code) || code;
    } catch (e) {
      return code;
    }
  }
  function englishCountry(code) {
    try {
      return new Intl.DisplayNames(['en'], { type: 'region' }).of(code) || code;
    } catch (e) {
      return code;
    }
  }
  function product(p) {
    return LABELS[state.lang].products[p] || p;
  }
  function list(items) {
    try {
      return new Intl.ListFormat(locale(), { style: 'long', type: 'conjunction' }).format(items);
    } catch (e) {
      return items.join(', ');
    }
  }

  // ---- DOM helpers -------------------------------------------------------------------------

  /** h('tag.class1.class2', {attr: value}, children...): text children become text nodes. */
  function h(spec, attrs) {
    var parts = spec.split('.');
    var el = document.createElement(parts[0]);
    if (parts.length > 1) el.className = parts.slice(1).join(' ');
    var start = 1;
    if (attrs && typeof attrs === 'object' && !(attrs instanceof Node) && !Array.isArray(attrs)) {
      start = 2;
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k.indexOf('on') === 0) el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = start; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(el, c); });
    else el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  function badge(kind, text) {
    return h('span.badge.badge-' + kind, text);
  }

  function table(caption, headers, rows, extraClass) {
    return h(
      'div.table-wrap',
      h(
        'table' + (extraClass ? '.' + extraClass : ''),
        h('caption', caption),
        h('thead', h('tr', headers.map(function (col) {
          return h('th' + (col.num ? '.num' : ''), { scope: 'col' }, col.label);
        }))),
        h('tbody', rows),
      ),
    );
  }

  // ---- data ----------------------------------------------------------------------------------

  /** Reads the dashboard; moves focus to the result only when the person asked (not on open). */
  function load(asked) {
    if (!state.key) return;
    state.loading = true;
    state.error = null;
    render();
    fetch(config.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + state.key, 'apollo-require-preflight': 'true' },
      body: JSON.stringify({ query: config.query, operationName: 'GdprDashboardPage' }),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    })
      .then(function (res) {
        return res.json().then(function (body) {
          return { status: res.status, body: body };
        }, function () {
          return { status: res.status, body: null };
        });
      })
      .then(function (r) {
        var errors = (r.body && r.body.errors) || [];
        if (errors.length || !r.body || !r.body.data) {
          var err = errors[0] || {};
          state.error = { code: (err.extensions && err.extensions.code) || 'HTTP ' + r.status };
          state.data = null;
          if (state.error.code === 'UNAUTHENTICATED') state.key = null; // a refused key is not kept
        } else {
          state.data = r.body.data;
        }
      }, function () {
        state.error = { code: 'NETWORK' };
      })
      .then(function () {
        state.loading = false;
        render();
        var target = asked === true && document.getElementById(state.error ? 'key-error' : 'dashboard-title');
        if (target) target.focus();
      });
  }

  function errorText(code) {
    if (code === 'UNAUTHENTICATED') return t('errorUnauthenticated');
    if (code === 'FORBIDDEN') return t('errorForbidden');
    if (code === 'BAD_USER_INPUT') return t('errorOperator');
    if (code === 'RATE_LIMITED') return t('errorRateLimited');
    if (code === 'NETWORK') return t('errorNetwork');
    return t('errorOther', { code: code });
  }

  // ---- rendering -----------------------------------------------------------------------------

  function render() {
    document.documentElement.lang = state.lang;
    var company = state.data && state.data.company;
    document.title = company ? t('documentTitle', { company: company.name }) : t('pageTitle');
    document.querySelectorAll('[data-label]').forEach(function (el) {
      el.textContent = t(el.getAttribute('data-label'));
    });
    var app = document.getElementById('app');
    var focused = document.activeElement && document.activeElement.id;
    app.replaceChildren(topBar(), h('main', { id: 'main', tabindex: '-1' }, keyPanel(), company ? dashboard(company) : null));
    if (focused && focused !== 'key-input') {
      var again = document.getElementById(focused);
      if (again) again.focus();
    }
  }

  function topBar() {
    return h(
      'header.topbar',
      h('div.topbar-inner',
        h('span.brand', h('span.brand-mark', { 'aria-hidden': 'true' }), t('product')),
        h('nav.topnav', { 'aria-label': t('language') },
          h('a.navlink', { href: '/graphql' }, t('playground')),
          h('div.lang-switch', { role: 'group', 'aria-label': t('language') },
            LANGS.map(function (lang) {
              return h('button.lang', {
                type: 'button',
                id: 'lang-' + lang,
                lang: lang,
                'aria-pressed': String(state.lang === lang),
                onclick: function () { setLanguage(lang); },
              }, LABELS[lang].languageName);
            })),
          h('button.button.button-quiet', { type: 'button', id: 'print', onclick: function () { window.print(); }, disabled: !state.data }, t('print')),
        ),
      ),
    );
  }

  function keyPanel() {
    if (state.data && !state.loading) {
      return h('section.keybar', { 'aria-label': t('keyLabel') },
        h('span.key-status', h('span.dot', { 'aria-hidden': 'true' }), t('keyInMemory')),
        h('button.button.button-quiet', { type: 'button', id: 'refresh', onclick: function () { load(true); } }, t('refresh')),
        h('button.button.button-quiet', {
          type: 'button',
          id: 'change-key',
          onclick: function () {
            state.key = null;
            state.data = null;
            render();
            document.getElementById('key-input').focus();
          },
        }, t('changeKey')),
      );
    }
    var input = h('input', {
      id: 'key-input',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': 'key-help' + (state.error ? ' key-error' : ''),
      'aria-invalid': state.error ? 'true' : null,
      required: true,
    });
    input.value = state.key || '';
    return h('section.keypanel', { 'aria-labelledby': 'key-heading' },
      h('h1', { id: 'key-heading' }, t('pageTitle')),
      h('p.lead', t('intro')),
      h('form.keyform', {
        onsubmit: function (e) {
          e.preventDefault();
          var v = input.value.trim();
          input.value = '';
          if (!v) return;
          state.key = v;
          load(true);
        },
      },
        h('label', { for: 'key-input' }, t('keyLabel')),
        h('div.keyrow', input, h('button.button', { type: 'submit', disabled: state.loading }, state.loading ? t('loading') : t('show'))),
        h('p.help', { id: 'key-help' }, t('keyHelp'), config.demoKey ? ' ' + t('keyDemo') : ''),
        state.error ? h('p.error', { id: 'key-error', role: 'alert', tabindex: '-1' }, errorText(state.error.code)) : null,
      ),
    );
  }

  function dashboard(company) {
    var d = company.gdprDashboard;
    var a = d.activity;
    return h('div.dashboard',
      h('div.titleblock',
        h('p.eyebrow', t('pageTitle')),
        h('h1', { id: 'dashboard-title', tabindex: '-1' }, company.name),
        h('p.meta', t('generatedAt', { date: dateTime(a.until) })),
        h('p.lead', t('intro')),
      ),
      summary(d),
      subProcessors(d.subProcessors),
      stores(d.stores),
      activity(a),
      h('footer.pagefoot', h('p', t('footer'))),
    );
  }

  function summary(d) {
    var inUse = d.subProcessors.filter(function (p) { return p.inUse; });
    var outside = inUse.filter(function (p) { return !p.subProcessor.inEea; });
    var toRetry = d.activity.failedToRetryCount;
    function tile(id, label, value, sub, warn) {
      return h('div.tile' + (warn ? '.tile-warn' : ''), { id: id },
        h('dt', label),
        h('dd', h('span.tile-value', value), sub ? h('span.tile-sub', ' ' + sub) : null),
      );
    }
    return h('section.summary', { 'aria-labelledby': 'summary-title' },
      h('h2.visually-hidden', { id: 'summary-title' }, t('summaryTitle')),
      h('dl.tiles',
        tile('tile-stores', t('summaryStores'), num(d.stores.length)),
        tile('tile-in-use', t('summaryInUse'), num(inUse.length), t('summaryInUseOf', { total: num(d.subProcessors.length) })),
        tile('tile-outside', t('summaryOutsideEea'), num(outside.length), null, outside.length > 0),
        tile('tile-forgotten', t('summaryForgotten'), num(d.activity.forgetRequests.completed)),
        tile('tile-retry', t('summaryToRetry'), num(toRetry), null, toRetry > 0),
      ),
    );
  }

  function subProcessors(rows) {
    var cols = [
      { label: t('colSubProcessor') }, { label: t('colPurpose') }, { label: t('colCountry') },
      { label: t('colEea') }, { label: t('colCategories') }, { label: t('colUsedBy') },
    ];
    // In use first (what the DPO must account for), then the rest; by name within each.
    var sorted = rows.slice().sort(function (x, y) {
      if (x.inUse !== y.inUse) return x.inUse ? -1 : 1;
      return x.subProcessor.name.localeCompare(y.subProcessor.name, locale());
    });
    var body = sorted.map(function (row) {
      var sp = row.subProcessor;
      var eea = sp.inEea
        ? h('div', badge('eea', t('insideEea')))
        : h('div', badge('outside', t('outsideEea')));
      return h('tr' + (row.inUse ? '.in-use' : '.not-in-use') + (sp.inEea ? '' : '.outside-eea'), { 'data-id': sp.id },
        h('th', { scope: 'row' },
          h('span.sp-name', sp.name),
          h('span.sp-entity', sp.legalEntity),
        ),
        h('td', sp.purpose),
        // The registry's location is English: shown where it says more than the country's name.
        h('td', country(sp.country), sp.location && sp.location !== englishCountry(sp.country) ? h('span.sub', sp.location) : null),
        h('td', eea, sp.transferMechanism ? h('span.sub', t('transferMechanism', { mechanism: sp.transferMechanism })) : null),
        h('td', h('ul.chips', sp.dataCategories.map(function (c) { return h('li', LABELS[state.lang].dataTypes[c] || c); }))),
        h('td.usedby',
          row.inUse ? badge('inuse', t('inUse')) : h('span.muted', t('notInUse')),
          row.inUse
            ? h('ul.uses', row.usedBy.map(function (u) {
                var all = u.products.indexOf('*') >= 0;
                return h('li', h('span.store-name', u.store.name), ' ', h('span.sub-inline', all ? '(' + t('everyStore') + ')' : '(' + t('viaProducts', { products: list(u.products.map(product)) }) + ')'));
              }))
            : null,
        ),
      );
    });
    return h('section.section', { 'aria-labelledby': 'sp-title', id: 'sub-processors' },
      h('h2', { id: 'sp-title' }, t('subProcessorsTitle')),
      h('p.section-intro', t('subProcessorsIntro')),
      table(t('subProcessorsCaption'), cols, body, 'sp-table'),
    );
  }

  function stores(rows) {
    return h('section.section', { 'aria-labelledby': 'stores-title', id: 'stores' },
      h('h2', { id: 'stores-title' }, t('storesTitle')),
      h('p.section-intro', t('storesIntro')),
      rows.length === 0 ? h('p.empty', t('noStores')) : rows.map(store),
    );
  }

  function store(s) {
    var st = s.store;
    var loc = s.location;
    var typeRows = DATA_TYPES.map(function (dt) {
      var held = s[dt[0]];
      return h('tr' + (held ? '.held' : '.not-held'), { 'data-type': dt[0] },
        h('th', { scope: 'row' }, LABELS[state.lang].dataTypes[dt[0]]),
        h('td', held ? badge('yes', t('yes')) : badge('no', t('no'))),
        h('td.num', num(s.counts[dt[1]]), h('span.unit', ' ' + LABELS[state.lang].countUnits[dt[0]])),
      );
    });
    var engine = loc.engine === 'sqlite' ? t('engineSqlite') : t('engineMysql', { server: loc.server });
    return h('article.store', { 'aria-labelledby': 'store-' + st.id, 'data-store-id': st.id },
      h('h3', { id: 'store-' + st.id }, st.name),
      h('div.store-grid',
        table(t('dataTypesCaption', { store: st.name }), [{ label: t('colDataType') }, { label: t('colHeld') }, { label: t('colCount'), num: true }], typeRows, 'types-table'),
        h('div.store-facts',
          h('h4', t('storageTitle')),
          h('dl.facts',
            h('dt', t('dataLocation')), h('dd', loc.dataRegion),
            h('dt', t('backupLocation')), h('dd', loc.backupRegion),
            h('dt', t('engine')), h('dd', engine),
          ),
          h('h4', t('settingsTitle')),
          h('dl.facts',
            SETTINGS.map(function (set) {
              var on = st.settings[set[0]];
              return [h('dt', t(set[1])), h('dd', on ? badge('on', t('collected')) : badge('off', t('notCollected')))];
            }),
            h('dt', t('settingRetention')), h('dd', t('retentionMonths', { min: st.settings.retentionMinMonths, max: st.settings.retentionMaxMonths })),
            h('dt', t('settingProducts')), h('dd', list(st.settings.products.map(product))),
          ),
        ),
      ),
    );
  }

  function activity(a) {
    var f = a.forgetRequests;
    var statusRows = [
      ['statusCompleted', f.completed, 'completed'],
      ['statusFailed', f.failed, 'failed'],
      ['statusPending', f.pending, 'pending'],
    ].map(function (r) {
      return h('tr', { 'data-status': r[2] }, h('th', { scope: 'row' }, t(r[0])), h('td.num', num(r[1])));
    });
    statusRows.push(h('tr.total', h('th', { scope: 'row' }, t('total')), h('td.num', num(f.completed + f.failed + f.pending))));

    var retry;
    if (a.failedToRetry.length === 0) {
      retry = h('p.ok', { id: 'to-retry-none' }, t('toRetryNone'));
    } else {
      retry = [
        h('p.warn-text', t('toRetryIntro')),
        a.failedToRetryCount > a.failedToRetry.length ? h('p.muted', t('toRetryMore', { shown: num(a.failedToRetry.length), total: num(a.failedToRetryCount) })) : null,
        table(t('toRetryCaption'), [{ label: t('colStore') }, { label: t('colRequested') }, { label: t('colReason') }, { label: t('colRequestId') }],
          a.failedToRetry.map(function (r) {
            return h('tr.failed', { 'data-request-id': r.id },
              h('th', { scope: 'row' }, r.store.name),
              h('td', dateTime(r.requestedAt)),
              h('td', r.failure || ''),
              h('td', h('code', r.id)),
            );
          }), 'retry-table'),
      ];
    }

    var purgeRows = a.purges.map(function (p) {
      var last = p.lastRun;
      var status = last ? { COMPLETED: t('purgeCompleted'), RUNNING: t('purgeRunning'), INTERRUPTED: t('purgeInterrupted') }[last.status] || last.status : null;
      return h('tr', { 'data-store-id': p.store.id },
        h('th', { scope: 'row' }, p.store.name),
        h('td', last ? [dateTime(last.startedAt), h('span.sub', status)] : h('span.muted', t('neverRun'))),
        h('td.num', num(p.runs)),
        h('td.num', num(p.visitorsDeleted)),
        h('td.num', num(p.eventsDeleted)),
      );
    });

    return h('section.section', { 'aria-labelledby': 'activity-title', id: 'activity' },
      h('h2', { id: 'activity-title' }, t('activityTitle', { days: a.days })),
      h('p.section-intro', t('activityPeriod', { since: date(a.since), until: date(a.until) })),
      h('div.activity-grid',
        h('div',
          h('h3', t('forgetTitle')),
          table(t('forgetCaption'), [{ label: t('colStatus') }, { label: t('colCount'), num: true }], statusRows, 'status-table'),
        ),
        h('div.backups',
          h('h3', t('backupsClearTitle')),
          h('p.backups-clear', { id: 'backups-clear' }, a.backupsClearBy ? t('backupsClearBy', { date: date(a.backupsClearBy) }) : t('backupsClearNone')),
          h('p.muted', t('backupsRestoreNote')),
        ),
      ),
      h('h3', t('toRetryTitle')),
      retry,
      h('h3', t('purgesTitle')),
      table(t('purgesCaption'), [
        { label: t('colStore') }, { label: t('colLastRun') }, { label: t('colRuns'), num: true },
        { label: t('colVisitorsDeleted'), num: true }, { label: t('colEventsDeleted'), num: true },
      ], purgeRows, 'purge-table'),
    );
  }

  render();
  if (state.key) load();
})();
