// Boots GraphiQL from files served by the gateway itself. The page's configuration (the
// demo key in demo mode, the example tabs) arrives as inert JSON in #playground-config.
(function () {
  var config = JSON.parse(document.getElementById('playground-config').textContent);
  var headers = config.demoKey ? JSON.stringify({ Authorization: 'Bearer ' + config.demoKey }, null, 2) : JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2);
  var fetcher = GraphiQL.createFetcher({
    url: config.endpoint,
    // Apollo's CSRF protection needs a header a plain form cannot send.
    headers: { 'apollo-require-preflight': 'true' },
  });
  var tabs = config.examples.map(function (ex) {
    return { query: ex.query, variables: ex.variables ? JSON.stringify(ex.variables, null, 2) : undefined, headers: headers };
  });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: tabs,
      defaultHeaders: headers,
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: true,
    }),
  );
})();
