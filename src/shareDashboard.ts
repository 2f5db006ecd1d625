// DTE Trust: the dashboards in dashboards/ are provisioned as they are (they name the data source by
// its provisioned uid, dte-trust). The copies shipped in the plugin are imported from the data
// source's Dashboards tab into Grafanas where the data source has some other uid, so the build turns
// them into the "shared externally" form: every reference to the data source becomes the input
// ${DS_DTE_TRUST}, which Grafana's importer binds to the data source being imported into.
export const DATASOURCE_TYPE = 'dte-trust-datasource';
export const INPUT_NAME = 'DS_DTE_TRUST';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function replaceRefs(node: Json): Json {
  if (Array.isArray(node)) {
    return node.map(replaceRefs);
  }
  if (node !== null && typeof node === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = replaceRefs(v);
    }
    if (out.type === DATASOURCE_TYPE && typeof out.uid === 'string') {
      out.uid = '${' + INPUT_NAME + '}';
    }
    return out;
  }
  return node;
}

/** shareDashboard returns the importable form of a provisioned dashboard's JSON text. */
export function shareDashboard(text: string, pluginName: string, version: string): string {
  const dashboard = replaceRefs(JSON.parse(text)) as { [key: string]: Json };
  const shared: { [key: string]: Json } = {
    __inputs: [
      {
        name: INPUT_NAME,
        label: pluginName,
        description: '',
        type: 'datasource',
        pluginId: DATASOURCE_TYPE,
        pluginName,
      },
    ],
    __requires: [{ type: 'datasource', id: DATASOURCE_TYPE, name: pluginName, version }],
    ...dashboard,
    id: null,
  };
  return JSON.stringify(shared, null, 2) + '\n';
}
