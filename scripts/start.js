#!/usr/bin/env node
'use strict';
// `npm start`: builds when a source is newer than the last build, then runs
// the launcher (dist/scripts/launch.js) in this same process so that Ctrl-C
// reaches it directly. First, the process takes the runtime flags of
// scripts/runtime-profile.js (it re-executes itself once, with the same pid).
const { join } = require('node:path');
const { applyRuntimeFlags } = require('./runtime-profile');
const { buildIfStale } = require('./build-if-stale');

applyRuntimeFlags(join(__dirname, 'start.js'));
buildIfStale();
require(join(__dirname, '..', 'dist', 'scripts', 'launch.js'));
