import path from 'path';
import { DASHBOARDS_DIR, PLUGIN_JSON } from './constants.ts';
import { shareDashboard } from '../../src/shareDashboard.ts';
import { getPackageJson, getPluginJson, hasReadme } from './utils.ts';

const pluginJson = getPluginJson();
const logoPaths: string[] = Array.from(new Set([pluginJson.info?.logos?.large, pluginJson.info?.logos?.small])).filter(
  Boolean
);
const screenshotPaths: string[] = pluginJson.info?.screenshots?.map((s: { path: string }) => s.path) || [];

// DTE Trust deviates from the scaffold here: plugin.json, README.md, LICENSE, CHANGELOG.md and the
// shipped dashboards live at the repository root, so they are copied from there (paths are relative
// to the webpack context, src/). The plugin.json `includes` point at dashboards/<name>.json.
export const copyFilePatterns = [
  // If src/README.md exists use it; otherwise the root README
  // To `compiler.options.output`
  { from: hasReadme() ? 'README.md' : '../README.md', to: '.', force: true, noErrorOnMissing: true },
  { from: path.join('..', PLUGIN_JSON), to: '.' },
  { from: '../LICENSE', to: '.', noErrorOnMissing: true },
  { from: '../CHANGELOG.md', to: '.', force: true, noErrorOnMissing: true },
  { from: '**/query_help.md', to: '.', noErrorOnMissing: true },
  {
    from: '*.json',
    context: path.resolve(process.cwd(), DASHBOARDS_DIR),
    to: `${DASHBOARDS_DIR}/`,
    noErrorOnMissing: true,
    transform: (content: Buffer) => shareDashboard(content.toString(), pluginJson.name, getPackageJson().version),
  },
  ...logoPaths.map((logoPath) => ({ from: logoPath, to: logoPath })),
  ...screenshotPaths.map((screenshotPath) => ({
    from: screenshotPath,
    to: screenshotPath,
  })),
];
