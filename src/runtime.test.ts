import { version } from 'react';

// The suite runs twice: against React 19 and @grafana/* 13 (Grafana 13), and against React 18
// with the @grafana/* of Grafana 12.2 (jest.runtime.config.js). This pins down the React.
test('runs against the React major the configuration names', () => {
  expect(version.split('.')[0]).toBe(process.env.DTE_EXPECT_REACT ?? '19');
});
