import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

describe('engine boundaries', () => {
  it('imports no adapter, driver, BullMQ, Redis or HTTP client: only node built-ins, pino and its own modules', () => {
    const imports = files(SRC).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)].map((m) => ({ file: f, spec: m[1]! })));
    expect(imports.length).toBeGreaterThan(50);
    const foreign = imports.filter(({ spec }) => !spec.startsWith('.') && !spec.startsWith('node:') && spec !== 'pino');
    expect(foreign).toEqual([]);
  });
});
