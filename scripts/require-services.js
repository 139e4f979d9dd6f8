'use strict';
// `npm run test:services` runs the e2e suite on real PostgreSQL and Redis; it
// must not quietly fall back to the embedded defaults.
const missing = ['DATABASE_URL', 'REDIS_URL'].filter((v) => !process.env[v]);
if (missing.length) {
  console.error(`test:services needs ${missing.join(' and ')} (e.g. DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/14)`);
  process.exit(1);
}
