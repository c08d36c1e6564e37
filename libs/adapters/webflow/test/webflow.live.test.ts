/**
 * Against the real Webflow Data API, only when a sandbox is configured:
 *   WEBFLOW_TOKEN, WEBFLOW_COLLECTION_ID (a collection of throwaway items).
 * It creates one staged item, updates it, finds it by slug, and hard-deletes it; nothing else.
 */
import { describe, expect, it } from 'vitest';
import { SlidingWindowThrottle, START_CURSOR } from '@syncframe/engine';
import { createWebflowAdapter } from '../src/index.js';

const env = process.env;
const missing = ['WEBFLOW_TOKEN', 'WEBFLOW_COLLECTION_ID'].filter((k) => !env[k]);
const hasTokens = missing.length === 0;
if (!hasTokens) console.log(`webflow live test skipped: ${missing.join(', ')} not set (sandbox credentials are needed to call the real API)`);

describe.skipIf(!hasTokens)('Webflow live API', () => {
  it('creates, updates, finds and deletes one item, and pulls with lastUpdated', async () => {
    const adapter = createWebflowAdapter({
      collection: env.WEBFLOW_COLLECTION_ID!, creds: { token: env.WEBFLOW_TOKEN! }, hard_delete: true, jobId: 'live-test', sideName: 'webflow',
    });
    const options = { throttle: SlidingWindowThrottle.forLimit({ key: 'webflow:live', max_reqs: 50, interval_sec: 60 }) };
    const name = `SyncFrame live ${Date.now()}`;
    const [created] = await adapter.write([{ kind: 'create', fields: { name } }], options);
    expect(created!.ok).toBe(true);
    const id = created!.ok ? created!.record.id : '';
    const slug = created!.ok ? String(created!.record.fields.slug) : '';
    try {
      const [updated] = await adapter.write([{ kind: 'update', id, fields: { name: `${name} 2` } }], options);
      expect(updated).toMatchObject({ ok: true, record: { id } });
      expect((await adapter.findByField('slug', [slug], options)).map((r) => r.id)).toEqual([id]);
      const seen: string[] = [];
      for await (const page of adapter.pull(START_CURSOR, options)) seen.push(...page.records.map((r) => r.id));
      expect(seen).toContain(id);
    } finally {
      expect(await adapter.write([{ kind: 'delete', id }], options)).toMatchObject([{ ok: true }]);
    }
  }, 120_000);
});
