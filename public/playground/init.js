// Boots GraphiQL from files served by the gateway itself. The page's configuration (the
// demo key in demo mode, the example tabs) arrives as inert JSON in #playground-config.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('playground-config').textContent);
  var initialHeaders = JSON.stringify({ Authorization: 'Bearer ' + (config.demoKey || '<your API key>') }, null, 2);

  // Each answer is also kept for the analysts' chart and CSV (analyst.js). Plain JSON answers:
  // the gateway does no incremental delivery, and a promise is what analyst.js reads.
  var fetcher = PlaygroundAnalyst.wrapFetcher(GraphiQL.createFetcher({
    url: config.endpoint,
    // Apollo's CSRF protection needs a header a plain form cannot send.
    headers: { 'apollo-require-preflight': 'true' },
    enableIncrementalDelivery: false,
  }));

  // One tab per example. Tabs carry no headers of their own: they all show the shared header
  // editor content (below), so a key pasted once works in every tab.
  var tabs = config.examples.map(function (ex) {
    return { query: ex.query, variables: ex.variables ? JSON.stringify(ex.variables, null, 2) : undefined };
  });

  var storage = secretFreeStorage('privacy-gateway:' + fingerprint(JSON.stringify(config.examples)) + ':');
  // GraphiQL 3 opens the first default tab with its query but empty variables; starting from
  // "the last query and variables used" instead gets both right.
  if (tabs.length && storage.getItem('graphiql:tabState') === null) {
    storage.setItem('graphiql:query', tabs[0].query);
    storage.setItem('graphiql:variables', tabs[0].variables || '');
  }

  function Playground() {
    // The last headers typed in any tab, in memory only: the default for every tab whose
    // headers were not edited on their own.
    var state = React.useState(initialHeaders);
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: tabs,
      defaultHeaders: state[0],
      onEditHeaders: state[1],
      storage: storage,
      shouldPersistHeaders: false,
      showPersistHeadersSettings: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: config.demoKey ? 'variables' : 'headers',
    });
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(Playground));
  PlaygroundAnalyst.mount();

  /**
   * localStorage for GraphiQL (tabs, history, favourites), namespaced by the examples so new
   * demo data or new examples start from fresh tabs, and never holding a header: GraphiQL's
   * history would otherwise keep the API key of every run in the browser's storage, whatever
   * shouldPersistHeaders says.
   */
  function secretFreeStorage(prefix) {
    var ls;
    try {
      ls = window.localStorage;
      ls.getItem(prefix);
    } catch (e) {
      ls = memoryStorage(); // storage disabled: keep everything for this page only
    }
    function own() {
      var keys = [];
      for (var i = 0; i < ls.length; i++) {
        var k = ls.key(i);
        if (k && k.indexOf(prefix) === 0) keys.push(k);
      }
      return keys;
    }
    return {
      getItem: function (k) {
        return withInitialHeaders(k, ls.getItem(prefix + k));
      },
      setItem: function (k, v) {
        ls.setItem(prefix + k, withoutHeaders(k, v));
      },
      removeItem: function (k) {
        ls.removeItem(prefix + k);
      },
      clear: function () {
        own().forEach(function (k) {
          ls.removeItem(k);
        });
      },
      get length() {
        return own().length;
      },
    };
  }

  function withoutHeaders(key, value) {
    if (/:headers$/.test(key)) return '';
    if (/:shouldPersistHeaders$/.test(key)) return 'false';
    if (!/:(queries|favorites|tabState)$/.test(key)) return value;
    try {
      return JSON.stringify(JSON.parse(value), function (k, v) {
        return k === 'headers' ? null : v;
      });
    } catch (e) {
      return '';
    }
  }

  function memoryStorage() {
    var items = new Map();
    return {
      get length() {
        return items.size;
      },
      key: function (i) {
        return Array.from(items.keys())[i] || null;
      },
      getItem: function (k) {
        return items.has(k) ? items.get(k) : null;
      },
      setItem: function (k, v) {
        items.set(k, String(v));
      },
      removeItem: function (k) {
        items.delete(k);
      },
    };
  }

  // A stored history entry has no headers; picked from the history it gets the page's initial
  // ones (the demo key, or the placeholder), not an empty header editor.
  function withInitialHeaders(key, value) {
    if (!value || !/:(queries|favorites)$/.test(key)) return value;
    try {
      return JSON.stringify(JSON.parse(value), function (k, v) {
        return k === 'headers' && v == null ? initialHeaders : v;
      });
    } catch (e) {
      return null;
    }
  }

  function fingerprint(s) {
    var h = 0x811c9dc5;
    for (var i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return h.toString(36);
  }
})();
