// The page's code keeps console.md §5 by construction: no API that parses a string as HTML or code, no inline
// script or handler in the shell, and no address outside the server. (The browser tests check the behaviour;
// this catches a new call before it ships.)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/models/catalog.js';

const dir = join(packageRoot(), 'console');
/** The page's own modules (the explorer's files belong to the server side, console.md §1). */
const modules = readdirSync(dir).filter((f) => f.endsWith('.js') && !f.startsWith('explorer'));
/** Code without its comments, so a comment may name what the code must not do. */
const code = (file: string) =>
  readFileSync(join(dir, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/\s\/\/ .*$/gm, '');

describe("the console's page code", () => {
  test('holds the modules of every page', () => {
    expect(modules).toEqual(expect.arrayContaining(['app.js', 'dom.js', 'api.js', 'page-overview.js', 'page-correlation.js', 'page-people.js', 'page-activities.js', 'page-alerts.js']));
  });

  test.each(modules)('%s parses no string as HTML or code and names no outside address', (file) => {
    const text = code(file);
    for (const banned of [/\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /document\.write/, /\beval\s*\(/, /new Function\b/, /setAttribute\(\s*['"]on/i, /\.on[a-z]+\s*=/, /\.srcdoc\s*=/, /https?:\/\//]) {
      expect(text, `${file}: ${banned}`).not.toMatch(banned);
    }
  });

  test('the shell has no inline script, no handler attribute and loads only from the server', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect([...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]).filter((u) => !/^(\/|#\/|data:,$)/.test(u))).toEqual([]);
  });
});
