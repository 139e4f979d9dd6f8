// The e2e suite starts the built launcher and apps as child processes, so
// dist/ must be current.
const { buildIfStale } = require('../../scripts/build-if-stale');

module.exports = async () => {
  buildIfStale();
};
