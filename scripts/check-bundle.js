#!/usr/bin/env node
// check-bundle.js: the built frontend binds to the host Grafana's React and @grafana packages
// instead of carrying its own copies, so one bundle runs on React 18 (Grafana 12) and React 19
// (Grafana 13). Run after the webpack build (npm run build).
// It must not import react/jsx-runtime: the externals list allows it (as the create-plugin template
// does), but Grafana only exposes that module from 11.6.11, 12.0.10, 12.1.7 and 12.2.5 on, so a
// bundle using it would not load in 11.6.0-11.6.10 and early 12.x. JSX compiles to
// React.createElement (swc's classic runtime), which every Grafana since 11.6.0 serves.
const fs = require('fs');
const path = require('path');

const file = path.join(__dirname, '..', 'dist', 'module.js');
const js = fs.readFileSync(file, 'utf8');
// An AMD bundle names its externals in define([...], ...).
const m = js.match(/define\(\s*(\[[^\]]*\])/);
if (!m) {
  console.error(`check-bundle: ${file} is not an AMD module (no define([...]))`);
  process.exit(1);
}
const externals = JSON.parse(m[1].replace(/'/g, '"'));
const problems = [];
for (const name of ['react', '@grafana/data', '@grafana/ui', '@grafana/runtime']) {
  if (!externals.includes(name)) {
    problems.push(`${name} is not external (bundled or unused)`);
  }
}
for (const name of ['react/jsx-runtime', 'react/jsx-dev-runtime']) {
  if (externals.includes(name)) {
    problems.push(`${name} is imported: Grafana 11.6.0-11.6.10 and 12.0-12.2.4 do not serve it (see grafanaDependency)`);
  }
}
// React's own code identifies itself with this error-message URL; a bundled React would carry it.
if (js.includes('react.dev/errors/') || js.includes('reactjs.org/docs/error-decoder')) {
  problems.push('the bundle contains React itself');
}
if (problems.length > 0) {
  console.error(`check-bundle: ${file}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-bundle: ${path.relative(process.cwd(), file)} (${(js.length / 1024).toFixed(0)} KiB) uses the host's ${externals.join(', ')}`);
