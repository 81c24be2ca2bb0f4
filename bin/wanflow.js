#!/usr/bin/env node
// Thin shim: the CLI lives in src/starter.ts (compiled to dist/ by `npm run build`, run through tsx otherwise).
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'starter.js');
if (!fs.existsSync(compiled)) require('tsx/cjs');
require(fs.existsSync(compiled) ? compiled : path.join(__dirname, '..', 'src', 'starter.ts')).main();
