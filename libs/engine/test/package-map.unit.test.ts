import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// DESIGN.md's "Map of packages" must name every workspace of the repository, by folder, package name and
// subpath exports, and nothing else: a package added, renamed or given a subpath fails here until the map says so.
const ROOT = join(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface MapRow {
  readonly folder: string;
  readonly name: string;
  readonly subpaths: readonly string[];
}

function rowsOfDesignMap(): MapRow[] {
  const design = read('DESIGN.md');
  const section = design.slice(design.indexOf('### Map of packages'));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| folder |')));
  return table
    .split('\n')
    .filter((line) => /^\| `/.test(line))
    .map((line) => {
      const [folder, pkg] = line.split('|').slice(1, 3).map((cell) => cell.trim());
      const name = /^`([^`]+)`/.exec(pkg!)![1]!;
      const subpaths = [...(/\(([^)]*)\)/.exec(pkg!)?.[1] ?? '').matchAll(/`\/([^`]+)`/g)].map((m) => `./${m[1]}`);
      return { folder: folder!.replace(/`/g, ''), name, subpaths: subpaths.sort() };
    });
}

function rowsOfTree(): MapRow[] {
  const workspaces = JSON.parse(read('package.json')).workspaces as string[];
  return workspaces.map((folder) => {
    const pkg = JSON.parse(read(`${folder}/package.json`)) as { name: string; exports?: Record<string, unknown> };
    const subpaths = Object.keys(pkg.exports ?? {}).filter((key) => key !== '.').sort();
    // The private test kit is never built: its subpaths are the aliases in vitest.config.ts / tsconfig paths.
    const aliased = pkg.exports ? [] : [...read('tsconfig.test.json').matchAll(new RegExp(`"${pkg.name}/([\\w-]+)"`, 'g'))].map((m) => `./${m[1]}`);
    return { folder, name: pkg.name, subpaths: [...subpaths, ...aliased].sort() };
  });
}

describe("DESIGN.md's map of packages", () => {
  it('lists every workspace with its package name and subpaths, and nothing else', () => {
    const byFolder = (rows: MapRow[]) => [...rows].sort((a, b) => a.folder.localeCompare(b.folder));
    expect(byFolder(rowsOfDesignMap())).toEqual(byFolder(rowsOfTree()));
  });
});
