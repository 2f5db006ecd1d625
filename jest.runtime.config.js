// The same frontend tests against what an older Grafana hands a plugin at run time: its React and
// its @grafana/* packages (the bundle keeps them external, so the host's copies are the ones that
// run). DTE_RUNTIME names a folder of tests/runtimes/ (grafana12: React 18 + @grafana/* 12.2),
// installed there with npm ci and mapped in here. (Under @grafana/ui 11.6, 4 of 68 tests fail:
// its MultiCombobox does not tie its label to its input, which is why grafanaDependency is 12.2.)
const path = require('path');
const base = require('./jest.config');

const runtime = process.env.DTE_RUNTIME;
if (!runtime) {
  throw new Error('DTE_RUNTIME is not set: npm run test:runtimes sets it (grafana12)');
}
const modules = path.join(__dirname, 'tests', 'runtimes', runtime, 'node_modules');

const moduleNameMapper = { ...base.moduleNameMapper };
for (const name of ['react', 'react-dom', '@grafana/data', '@grafana/runtime', '@grafana/schema', '@grafana/ui']) {
  const escaped = name.replace('/', '\\/');
  moduleNameMapper[`^${escaped}$`] = path.join(modules, name);
  moduleNameMapper[`^${escaped}/(.*)$`] = path.join(modules, name, '$1');
}

module.exports = { ...base, moduleNameMapper };
