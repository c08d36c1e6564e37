/**
 * Against the real Airtable API, only when a sandbox is configured:
 *   AIRTABLE_TOKEN, AIRTABLE_BASE_ID, AIRTABLE_TABLE (a table of throwaway records),
 *   AIRTABLE_KEY_FIELD (a text field to write, default "Name").
 * It creates one record, updates it, finds it, and hard-deletes it; it touches nothing else.
 */
import { describe, expect, it } from 'vitest';
import { SlidingWindowThrottle, START_CURSOR } from '@syncframe/engine';
import { createAirtableAdapter } from '../src/index.js';

const env = process.env;
const missing = ['AIRTABLE_TOKEN', 'AIRTABLE_BASE_ID', 'AIRTABLE_TABLE'].filter((k) => !env[k]);
const hasTokens = missing.length === 0;
if (!hasTokens) console.log(`airtable live test skipped: ${missing.join(', ')} not set (sandbox credentials are needed to call the real API)`);

describe.skipIf(!hasTokens)('Airtable live API', () => {
  it('creates, updates, finds and deletes one record, and pulls', async () => {
    const field = env.AIRTABLE_KEY_FIELD ?? 'Name';
    const adapter = createAirtableAdapter({
      table: env.AIRTABLE_TABLE!, creds: { apiKey: env.AIRTABLE_TOKEN!, baseId: env.AIRTABLE_BASE_ID! }, hard_delete: true, jobId: 'live-test', sideName: 'airtable',
    });
    const options = { throttle: SlidingWindowThrottle.forLimit({ key: 'airtable:live', max_reqs: 4, interval_sec: 1 }) };
    const marker = `syncframe-live-${Date.now()}`;
    const [created] = await adapter.write([{ kind: 'create', fields: { [field]: marker } }], options);
    expect(created!.ok).toBe(true);
    const id = created!.ok ? created!.record.id : '';
    try {
      const [updated] = await adapter.write([{ kind: 'update', id, fields: { [field]: `${marker}-2` } }], options);
      expect(updated).toMatchObject({ ok: true, record: { id, fields: { [field]: `${marker}-2` } } });
      expect((await adapter.findByField(field, [`${marker}-2`], options)).map((r) => r.id)).toEqual([id]);
      // One page is enough to prove the formula and sort are accepted (the table may be big).
      for await (const page of adapter.pull(START_CURSOR, options)) {
        expect(Array.isArray(page.records)).toBe(true);
        break;
      }
    } finally {
      expect(await adapter.write([{ kind: 'delete', id }], options)).toMatchObject([{ ok: true }]);
    }
  }, 60_000);
});
