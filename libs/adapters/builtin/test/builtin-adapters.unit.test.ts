import { adapterPluginProblem } from '@syncframe/adapter-kit';
import type { AdapterPlugin } from '@syncframe/adapter-kit';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** The schema of the option at a dotted path (`creds.token`), unwrapping optional and default wrappers. */
function optionAt(plugin: AdapterPlugin, dotted: string): z.ZodType | undefined {
  const unwrap = (s: z.ZodType | undefined): z.ZodType | undefined =>
    s instanceof z.ZodOptional || s instanceof z.ZodDefault ? unwrap(s.unwrap() as z.ZodType) : s;
  let schema: z.ZodType | undefined = plugin.options;
  for (const key of dotted.split('.')) {
    const holder = unwrap(schema);
    schema = holder instanceof z.ZodObject ? (holder.shape as Record<string, z.ZodType>)[key] : undefined;
  }
  return unwrap(schema);
}

describe('BUILTIN_ADAPTER_PLUGINS', () => {
  const plugins = Object.entries(BUILTIN_ADAPTER_PLUGINS).map(([key, factory]) => [key, factory({ z })] as const);

  it('ships airtable, webflow, memory and postgres, in the order messages list them', () => {
    expect(Object.keys(BUILTIN_ADAPTER_PLUGINS)).toEqual(['airtable', 'webflow', 'memory', 'postgres']);
  });

  for (const [key, plugin] of plugins) {
    describe(key, () => {
      it('is a well-formed plug-in registered under its own name', () => {
        expect(adapterPluginProblem(plugin)).toBeNull();
        expect(plugin.name).toBe(key);
      });

      it('declares only secret options its schema has, and a batch limit its default throttle keeps', () => {
        for (const secret of plugin.secretOptions ?? []) expect(optionAt(plugin, secret), secret).toBeInstanceOf(z.ZodString);
        if (plugin.defaultThrottle && plugin.maxBatchSize) expect(plugin.defaultThrottle.batch_size).toBeLessThanOrEqual(plugin.maxBatchSize);
      });
    });
  }

  it('airtable: soft_delete_field with hard_delete is refused at hard_delete; no last_modified_field means no edit times', () => {
    const airtable = BUILTIN_ADAPTER_PLUGINS['airtable']!({ z });
    const base = { table: 'Videos', creds: { apiKey: 'pat', baseId: 'app1' } };
    const both = airtable.options.safeParse({ ...base, soft_delete_field: 'Deleted', hard_delete: true });
    expect(both.success).toBe(false);
    expect(both.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['hard_delete', 'cannot be true together with soft_delete_field (choose one way to delete)']]);
    const plain = airtable.options.parse(base);
    expect(airtable.editTimesMissing?.(plain)?.needs).toMatch(/last_modified_field/);
    expect(airtable.editTimesMissing?.(airtable.options.parse({ ...base, last_modified_field: 'Modified' }))).toBeUndefined();
  });

  it('webflow: a collection slug needs creds.site_id; an id does not', () => {
    const webflow = BUILTIN_ADAPTER_PLUGINS['webflow']!({ z });
    const slug = webflow.options.safeParse({ collection: 'videos', creds: { token: 't' } });
    expect(slug.error?.issues.map((i) => i.path.join('.'))).toEqual(['collection']);
    expect(webflow.options.safeParse({ collection: 'videos', creds: { token: 't', site_id: 's' } }).success).toBe(true);
    expect(webflow.options.safeParse({ collection: '0123456789abcdef01234567', creds: { token: 't' } }).success).toBe(true);
    expect(webflow.tableOf(webflow.options.parse({ collection: 'videos', creds: { token: 't', site_id: 's' } }))).toBe('videos');
  });

  it('memory: builds an empty table whose ref is the side\'s table', async () => {
    const memory = BUILTIN_ADAPTER_PLUGINS['memory']!({ z });
    const options = memory.options.parse({ table: 'people' });
    const adapter = memory.create(options, { configDir: '/tmp' });
    expect(adapter.ref).toEqual({ adapter: 'memory', table: memory.tableOf(options) });
    expect(options).toEqual({ table: 'people', hard_delete: false });
  });
});
