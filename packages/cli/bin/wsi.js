#!/usr/bin/env node
// The `wsi` command. This entry point is committed (npm links a package's bins at install time, before a checkout's
// first build) and runs the built CLI.
import '../dist/bin.js';
