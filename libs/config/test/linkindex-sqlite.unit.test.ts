import { describe, expect, it } from 'vitest';
import { parseConfigText } from './fixtures.js';

const withLinkIndex = (linkindex: string) => `{
  "linkindex": ${linkindex},
  "jobs": [{
    "id": "demo",
    "sides": {
      "left": { "adapter": "memory", "table": "l" },
      "right": { "adapter": "memory", "table": "r" }
    },
    "mappings": { "left→right": "./maps/a.js", "right→left": "./maps/b.js" }
  }]
}`;

describe('linkindex driver "sqlite"', () => {
  it('resolves the database file against the config file\'s folder', () => {
    const config = parseConfigText(withLinkIndex('{ "driver": "sqlite", "conn": "data/links.db" }'), '/srv/sync/jobs.jsonc', {});
    expect(config.linkindex).toEqual({ driver: 'sqlite', conn: '/srv/sync/data/links.db' });
  });

  it('defaults to ./syncframe.db beside the config file', () => {
    const config = parseConfigText(withLinkIndex('{ "driver": "sqlite" }'), '/srv/sync/jobs.jsonc', {});
    expect(config.linkindex).toEqual({ driver: 'sqlite', conn: '/srv/sync/syncframe.db' });
  });

  it('takes no schema (one file is one link index)', () => {
    expect(() => parseConfigText(withLinkIndex('{ "driver": "sqlite", "schema": "x" }'), '/srv/sync/jobs.jsonc', {})).toThrow(/schema/);
  });
});
