// Runs the graphql-http audit suite against a GraphQL endpoint and prints one JSON line:
// {"total": n, "passed": n, "failures": [{"id", "name", "reason"}]}.
// Usage: node audit.mjs http://127.0.0.1:8000/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}
const results = await auditServer({ url });
const failures = results
  .filter((result) => result.status !== 'ok')
  .map((result) => ({ id: result.id, name: result.name, status: result.status, reason: result.reason }));
console.log(JSON.stringify({ total: results.length, passed: results.length - failures.length, failures }));
