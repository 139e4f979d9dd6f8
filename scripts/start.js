#!/usr/bin/env node
'use strict';
// `npm start`: builds when a source is newer than the last build, then runs
// the launcher (dist/scripts/launch.js) in this same process so that Ctrl-C
// reaches it directly.
const { join } = require('node:path');
const { buildIfStale } = require('./build-if-stale');

buildIfStale();
require(join(__dirname, '..', 'dist', 'scripts', 'launch.js'));
