// Boots GraphiQL from files served by the gateway itself. The page's configuration (the
// demo key in demo mode, the example tabs) arrives as inert JSON in #playground-config.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('playground-config').textContent);
  var initialHeaders = JSON.stringify({ Authorization: 'Bearer ' + (config.demoKey || '<your API key>') }, null, 2);

  // Each answer is also kept for the analysts' chart and CSV (analyst.js). Plain JSON answers:
  // the gateway does no incremental delivery, and a promise is what analyst.js reads.
  var fetcher = withShownOperation(PlaygroundAnalyst.wrapFetcher(GraphiQL.createFetcher({
    url: config.endpoint,
    // Apollo's CSRF protection needs a header a plain form cannot send.
    headers: { 'apollo-require-preflight': 'true' },
    enableIncrementalDelivery: false,
  })));

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
      onTabChange: syncOperationName,
      shouldPersistHeaders: false,
      showPersistHeadersSettings: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: config.demoKey ? 'variables' : 'headers',
    });
  }

  /**
   * GraphiQL 3 keeps the operation to run on the query editor (`operationName`) and re-reads it
   * from the query only 100 ms after the editor changes. A tab switch puts the new tab's query in
   * the editor but leaves the previous tab's name there until then, so Run pressed at once sent
   * `Profile` with the CustomersPage query ("Unknown operation named"), and put it in the history
   * under the wrong name (Run right after renaming the operation did the same). Both are set
   * right here: the name follows the tab at the switch, and the fetcher never sends a name the
   * query it sends does not define.
   */
  function syncOperationName(tabState) {
    var tab = tabState && tabState.tabs[tabState.activeTabIndex];
    var el = document.querySelector('.graphiql-query-editor .CodeMirror');
    var editor = el && el.CodeMirror;
    if (!tab || !editor) return;
    var ops = operationsIn(tab.query || '');
    if (!ops) return;
    editor.operationName = shownOperation(ops, tab.operationName || editor.operationName);
  }

  function withShownOperation(inner) {
    return function (params, opts) {
      var ops = params && typeof params.query === 'string' && params.operationName !== 'IntrospectionQuery' ? operationsIn(params.query) : null;
      if (ops) {
        var name = shownOperation(ops, params.operationName);
        if (name !== (params.operationName || null)) {
          params = Object.assign({}, params);
          if (name) params.operationName = name;
          else delete params.operationName;
        }
      }
      return inner(params, opts);
    };
  }

  /**
   * The operation to run in a document with these operations: the one named if the document
   * has it; else, as GraphiQL itself picks once it has re-read the query, the first one (none
   * for a lone anonymous operation). A name the document lacks can only be a stale one.
   */
  function shownOperation(ops, name) {
    if (name && ops.indexOf(name) >= 0) return name;
    if (!name && ops.length !== 1) return null; // leave the server to ask for a choice
    return ops.length ? ops[0] : null;
  }

  /**
   * The operations a GraphQL document defines, in order: a name each, null for an anonymous one.
   * A small scan of the top level (comments, strings and nested braces skipped), as the page has
   * no GraphQL parser of its own; null when the text is not one it understands.
   */
  function operationsIn(text) {
    var ops = [];
    var depth = 0;
    var atStart = true; // where a definition may begin (top level, after the previous one)
    var pending = false; // just read query/mutation/subscription at a definition's start
    var i = 0;
    var n = text.length;
    while (i < n) {
      var c = text.charAt(i);
      if (c === '#') {
        while (i < n && text.charAt(i) !== '\n' && text.charAt(i) !== '\r') i++;
      } else if (c === '"') {
        if (text.substr(i, 3) === '"""') {
          var end = i + 3;
          for (;;) {
            end = text.indexOf('"""', end);
            if (end < 0) return null;
            if (text.charAt(end - 1) === '\\') end += 3;
            else break;
          }
          i = end + 3;
        } else {
          i++;
          while (i < n && text.charAt(i) !== '"') {
            if (text.charAt(i) === '\n') return null;
            i += text.charAt(i) === '\\' ? 2 : 1;
          }
          if (i >= n) return null;
          i++;
        }
        continue;
      } else if (/[_A-Za-z]/.test(c)) {
        var start = i;
        while (i < n && /[_0-9A-Za-z]/.test(text.charAt(i))) i++;
        var word = text.slice(start, i);
        if (depth === 0) {
          if (pending) {
            ops.push(word);
            pending = false;
            atStart = false;
          } else if (atStart) {
            pending = word === 'query' || word === 'mutation' || word === 'subscription';
            atStart = false;
          }
        }
        continue;
      } else if (c === '{' || c === '(' || c === '[') {
        if (depth === 0) {
          if (pending || atStart) ops.push(null); // `query {` or the `{ … }` shorthand
          pending = false;
          atStart = false;
        }
        depth++;
      } else if (c === '}' || c === ')' || c === ']') {
        depth--;
        if (depth < 0) return null;
        if (depth === 0 && c === '}') atStart = true;
      } else if (depth === 0 && pending && c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r' && c !== ',' && c !== '\ufeff') {
        // `query @directive {`: an anonymous operation with directives
        ops.push(null);
        pending = false;
      }
      i++;
    }
    return depth === 0 ? ops : null;
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
