export const SOURCE_DIR = 'src';
export const DIST_DIR = 'dist';
// DTE Trust: plugin.json lives at the repository root, shipped dashboards in dashboards/.
export const PLUGIN_JSON = 'plugin.json';
export const DASHBOARDS_DIR = 'dashboards';
