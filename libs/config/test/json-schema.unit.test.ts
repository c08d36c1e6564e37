import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse, stripComments } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { describeConfig, renderConfigJsonSchema } from '../src/index.js';
import { loadConfig } from './fixtures.js';

const repo = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const SCHEMA_FILE = repo('config/syncframe.schema.json');
const EXAMPLE_FILE = repo('config/jobs.example.jsonc');
const ENV_EXAMPLE_FILE = repo('config/.env.example');

const DUMMY_ENV = {
  DATABASE_URL: 'postgres://syncframe:dummy-db-pass@localhost:5432/syncframe',
  AIRTABLE_TOKEN: 'patDUMMY.token',
  AIRTABLE_BASE_ID: 'appDUMMY0000000001',
  WEBFLOW_TOKEN: 'wf-dummy-token',
  WEBFLOW_SITE_ID: '0123456789abcdef01234567',
};

describe('config/syncframe.schema.json', () => {
  it('is what scripts/generate-json-schema.ts generates now (run it after changing the schema)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(renderConfigJsonSchema(BUILTIN_ADAPTER_PLUGINS));
  });

  it('describes the sides of the adapter plug-ins SyncFrame ships (postgres), with their own keys', () => {
    const schema = JSON.parse(renderConfigJsonSchema(BUILTIN_ADAPTER_PLUGINS)) as { definitions?: unknown };
    const text = JSON.stringify(schema);
    expect(text).toContain('"const":"postgres"');
    expect(text).toContain('"updated_at_column"');
  });

  it('accepts the example config as written, ${VAR} included, and rejects a typo', async () => {
    const schema = z.fromJSONSchema(JSON.parse(await readFile(SCHEMA_FILE, 'utf8')));
    const example = parse(await readFile(EXAMPLE_FILE, 'utf8'));
    expect(schema.safeParse(example).success).toBe(true);
    example.jobs[0].sides.airtable.tabel = 'Videos';
    expect(schema.safeParse(example).success).toBe(false);
    delete example.jobs[0].sides.airtable.tabel;
    // Editors flag `"delete_brake": true` as SyncFrame does (false, or the object form).
    example.jobs[0].delete_brake = true;
    expect(schema.safeParse(example).success).toBe(false);
    example.jobs[0].delete_brake = false;
    expect(schema.safeParse(example).success).toBe(true);
  });

  it('describes the built-in adapters\' sides from their plug-ins (airtable, webflow, memory, postgres)', () => {
    const text = renderConfigJsonSchema(BUILTIN_ADAPTER_PLUGINS);
    for (const name of ['airtable', 'webflow', 'memory', 'postgres']) expect(text).toContain(`"const": "${name}"`);
    expect(text).toContain('"last_modified_field"');
    expect(text).toContain('"publish"');
  });

  it('describes keys for editors', () => {
    const schema = JSON.parse(renderConfigJsonSchema());
    expect(schema.properties.jobs.items.properties.conflict_policy.description).toMatch(/last_writer_wins/);
  });
});

describe('config/jobs.example.jsonc', () => {
  it('loads with dummy environment values', async () => {
    const config = await loadConfig(EXAMPLE_FILE, { env: DUMMY_ENV });
    const [job] = config.jobs;
    expect(job?.source).toMatchObject({ name: 'airtable', adapter: 'airtable', table: 'Videos' });
    expect(job?.dest).toMatchObject({ name: 'webflow', adapter: 'webflow', plugin: 'webflow', table: 'videos', options: { collection: 'videos', publish: 'staged' } });
    expect(job?.schedule).toEqual({ cron: '*/5 * * * *', timezone: 'Europe/Paris' });
    const mapped = await job!.mappers.toDest(
      { id: 'rec1', fields: { Name: 'Intro', Slug: 'intro', Published: true }, updatedAt: '2024-01-01T00:00:00.000Z', deleted: false },
      {} as never,
    );
    expect(mapped).toEqual({ fields: { name: 'Intro', slug: 'intro', description: '', published: true }, deleted: false });
    const back = await job!.mappers.toSource(
      { id: 'item1', fields: { name: 'Intro', slug: 'intro', published: false }, updatedAt: '2024-01-01T00:00:00.000Z', deleted: false },
      {} as never,
    );
    expect(back).toEqual({ fields: { Name: 'Intro', Slug: 'intro', Description: '', Published: false }, deleted: false });
    const shown = JSON.stringify(describeConfig(config));
    for (const value of Object.values(DUMMY_ENV)) expect(shown).not.toContain(value);
  });

  it('lists every variable it uses in .env.example', async () => {
    const values = stripComments(await readFile(EXAMPLE_FILE, 'utf8'));
    const used = new Set([...values.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]));
    const listed = new Set([...(await readFile(ENV_EXAMPLE_FILE, 'utf8')).matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
    expect([...used].filter((name) => !listed.has(name))).toEqual([]);
  });
});
