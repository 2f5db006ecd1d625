// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

// Jest configuration provided by Grafana scaffolding
const base = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

module.exports = {
  ...base,
  // d3-color 3.1.1 (pulled in by @grafana/data) ships only an ES module named .mjs, which the
  // scaffold's transform pattern does not match; transform it like the other ESM-only packages.
  // Rendering @grafana/ui editors and typing into them takes 2-5 s per test on an idle 2-core
  // machine and over 20 s when that machine is busy with Go builds, so allow a generous limit.
  testTimeout: 90000,
  // @grafana/ui 13 pulls in @react-hookz/web, which ships ES modules only.
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@react-hookz', '@ver0/deep-equal'])],
  transform: {
    ...base.transform,
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
};
