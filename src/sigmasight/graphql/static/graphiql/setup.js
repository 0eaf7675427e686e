// Starts GraphiQL with the explorer plugin against the page's own URL (served as a file so the
// page's Content-Security-Policy allows no inline script).
const EXAMPLE_QUERY = `# Welcome to SigmaSight's GraphiQL
#
# Sign in with the login mutation, then put the access token in the Headers tab:
#   {"Authorization": "Bearer <accessToken>"}
#
# Every type, field and argument is described in the Docs panel, with units.
#
# Keyboard shortcuts:
#
#       Run Query:  Ctrl-Enter (or press the play button above)
#
#   Auto Complete:  Ctrl-Space (or just start typing)
#
{
  me {
    email
  }
}
`;

// The query, variables and headers can be shared through the URL.
const parameters = {};

for (const entry of window.location.search.slice(1).split("&")) {
  const eq = entry.indexOf("=");
  if (eq >= 0) {
    parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(
      entry.slice(eq + 1),
    );
  }
}

function updateURL(data) {
  Object.assign(parameters, data);

  const newSearch =
    "?" +
    Object.keys(parameters)
      .filter(function (key) {
        return Boolean(parameters[key]);
      })
      .map(function (key) {
        return encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]);
      })
      .join("&");
  history.replaceState(null, null, newSearch);
}

const fetchURL = window.location.href.split("?")[0];

function httpUrlToWebSocketUrl(url) {
  const parsedURL = new URL(url);
  parsedURL.protocol = parsedURL.protocol === "http:" ? "ws:" : "wss:";
  parsedURL.hash = "";
  return parsedURL.toString();
}

const fetcher = GraphiQL.createFetcher({
  url: fetchURL,
  subscriptionUrl: httpUrlToWebSocketUrl(fetchURL),
});

function GraphiQLWithExplorer() {
  const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
  const [variables, setVariables] = React.useState(parameters.variables);
  const [headers, setHeaders] = React.useState(parameters.headers);

  function onEditQuery(newQuery) {
    setQuery(newQuery);
    updateURL({ q: newQuery });
  }

  function onEditVariables(newVariables) {
    setVariables(newVariables);
    updateURL({ variables: newVariables });
  }

  function onEditHeaders(newHeaders) {
    setHeaders(newHeaders);
  }

  const explorerPlugin = GraphiQLPluginExplorer.explorerPlugin();

  return React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    plugins: [explorerPlugin],
    query: query,
    variables: variables,
    headers: headers,
    onEditQuery: onEditQuery,
    onEditVariables: onEditVariables,
    onEditHeaders: onEditHeaders,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  });
}

const root = ReactDOM.createRoot(document.getElementById("graphiql"));
root.render(React.createElement(GraphiQLWithExplorer));
