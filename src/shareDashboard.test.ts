import { readFileSync, readdirSync } from 'fs';
import path from 'path';

import { shareDashboard } from './shareDashboard';

// The build ships every dashboard in the importable form: no reference to the provisioned uid may
// survive, and Grafana's importer must find the data source input.
describe('shareDashboard', () => {
  const dir = path.resolve(__dirname, '..', 'dashboards');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('finds the shipped dashboards', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('%s binds every DTE Trust reference to the DS_DTE_TRUST input', (file) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const original = JSON.parse(text);
    const shared = JSON.parse(shareDashboard(text, 'DTE Trust', '0.1.0'));
    const sharedText = JSON.stringify(shared);

    expect(shared.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_DTE_TRUST', type: 'datasource', pluginId: 'dte-trust-datasource' }),
    ]);
    expect(shared.id).toBeNull();
    expect(shared.uid).toBe(original.uid);
    expect(sharedText).not.toContain('"uid":"dte-trust"');
    expect(sharedText).toContain('"uid":"${DS_DTE_TRUST}"');
    expect(shared.panels.length).toBe(original.panels.length);
  });

  it('leaves references to other data sources alone', () => {
    const text = JSON.stringify({
      uid: 'x',
      panels: [
        { datasource: { type: 'dte-trust-datasource', uid: 'dte-trust' } },
        { datasource: { type: '__expr__', uid: '__expr__' } },
      ],
    });
    const shared = JSON.parse(shareDashboard(text, 'DTE Trust', '0.1.0'));
    expect(shared.panels[0].datasource.uid).toBe('${DS_DTE_TRUST}');
    expect(shared.panels[1].datasource.uid).toBe('__expr__');
  });
});
