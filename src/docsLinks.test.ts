import fs from 'fs';
import path from 'path';

import { QUERY_TYPE_HELP, REPOSITORY_URL } from './types';

const root = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

describe('query type docs links', () => {
  it('point into the repository named by plugin.json and package.json', () => {
    const plugin = JSON.parse(read('plugin.json'));
    const pkg = JSON.parse(read('package.json'));
    expect(plugin.info.links.map((l: { url: string }) => l.url)).toContain(REPOSITORY_URL);
    expect(pkg.homepage.startsWith(REPOSITORY_URL)).toBe(true);
    expect(pkg.repository.url).toBe(`git+${REPOSITORY_URL}.git`);
  });

  it.each(Object.entries(QUERY_TYPE_HELP))('%s: the linked file and heading exist', (_type, help) => {
    const [file, hash] = help.docs.slice(`${REPOSITORY_URL}/blob/main/`.length).split('#');
    const headings = read(file)
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => anchor(line.replace(/^#+ /, '')));
    expect(headings).toContain(hash);
  });
});
