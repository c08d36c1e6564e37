import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdapterPluginFactory } from '@syncframe/adapter-kit';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { ConfigFileError, describeConfig, loadConfig, secretValuesOfSide } from '../src/index.js';
import { MAPPERS, tempFiles } from './fixtures.js';

const SECRET = 'kvSECRET-0d9e-plugin-token';

/** A plug-in registered by name, its options with a secret and a value check of its own. */
const keyValue: AdapterPluginFactory = ({ z }) => ({
  name: 'key-value',
  options: z.strictObject({
    bucket: z.string().min(1).describe('The bucket.'),
    creds: z.strictObject({ token: z.string().min(1) }),
    region: z.enum(['eu', 'us']).default('eu'),
  }),
  maxBatchSize: 25,
  secretOptions: ['creds.token'],
  tableOf: (o) => String(o['bucket']),
  create: () => { throw new Error('not built in this test'); },
});

const config = (side: string) => `{
  "jobs": [{
    "id": "kv",
    "sides": {
      "store": ${side},
      "mem": { "adapter": "memory", "table": "t" }
    },
    "mappings": { "store→mem": "./maps/at-to-wf.js", "mem→store": "./maps/wf-to-at.js" }
  }]
}
`;

async function load(text: string, adapters: Record<string, AdapterPluginFactory> = { 'key-value': keyValue }, env: Record<string, string> = {}) {
  const files = await tempFiles({ 'jobs.jsonc': text, ...MAPPERS });
  try {
    return await loadConfig(path.join(files.dir, 'jobs.jsonc'), { env, adapters: { ...BUILTIN_ADAPTER_PLUGINS, ...adapters } });
  } finally {
    await files.cleanup();
  }
}

const messages = async (promise: Promise<unknown>) => {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigFileError);
  return (err as ConfigFileError).issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
};

describe('adapter plug-ins registered by name', () => {
  it('validates a side with the plug-in\'s schema and keeps its options, table and name', async () => {
    const loaded = await load(config('{ "adapter": "key-value", "bucket": "people", "creds": { "token": "${KV_TOKEN}" }, "throttle": { "max_reqs": 5, "interval_sec": 1, "batch_size": 20 }, "settle_sec": 5 }'), undefined, { KV_TOKEN: SECRET });
    expect(loaded.jobs[0]!.source).toMatchObject({
      adapter: 'key-value', plugin: 'key-value', table: 'people',
      options: { bucket: 'people', creds: { token: SECRET }, region: 'eu' },
      throttle: { max_reqs: 5, interval_sec: 1, batch_size: 20 }, settle_sec: 5,
    });
    // Shown anywhere, its secret is masked; the board scrubs it out of messages.
    expect(JSON.stringify(describeConfig(loaded))).not.toContain(SECRET);
    expect(secretValuesOfSide(loaded.jobs[0]!.source)).toEqual([SECRET]);
  });

  it('reports the plug-in\'s option errors with line, column and key path, and its batch limit', async () => {
    expect(await messages(load(config('{ "adapter": "key-value", "bucket": "", "region": "mars", "creds": { "token": "t" }, "throttle": { "max_reqs": 5, "interval_sec": 1, "batch_size": 30 } }'))))
      .toEqual([
        '5:52 jobs[0].sides.store.bucket: Too small: expected string to have >=1 characters',
        '5:66 jobs[0].sides.store.region: must be one of "eu", "us"',
        '5:163 jobs[0].sides.store.throttle.batch_size: must be at most 25 (the API\'s limit)',
      ]);
  });

  it('a plug-in whose own check throws fails validation with its words; one whose factory throws names the side', async () => {
    const throwing: AdapterPluginFactory = ({ z }) => ({
      name: 'throwing', tableOf: () => 't', create: () => { throw new Error('no'); },
      options: z.strictObject({ x: z.string().refine(() => { throw new Error('the check itself broke'); }) }),
    });
    expect(await messages(load(config('{ "adapter": "throwing", "x": "1" }'), { throwing })))
      .toEqual(['1:1 : an adapter plug-in threw while validating its side\'s options: the check itself broke']);
    const badTable: AdapterPluginFactory = ({ z }) => ({
      name: 'bad-table', options: z.strictObject({ x: z.string() }), create: () => { throw new Error('no'); },
      tableOf: (o) => { if (o['x'] === 'throw') throw new Error('no table here'); return undefined as unknown as string; },
    });
    expect(await messages(load(config('{ "adapter": "bad-table", "x": "throw" }'), { 'bad-table': badTable })))
      .toEqual(['5:29 jobs[0].sides.store.adapter: adapter plug-in threw in tableOf: no table here']);
    expect(await messages(load(config('{ "adapter": "bad-table", "x": "1" }'), { 'bad-table': badTable })))
      .toEqual(['5:29 jobs[0].sides.store.adapter: adapter plug-in\'s tableOf must return a non-empty string (it returned undefined)']);
    const broken: AdapterPluginFactory = () => { throw new Error('cannot start'); };
    expect(await messages(load(config('{ "adapter": "broken" }'), { broken })))
      .toEqual(['5:29 jobs[0].sides.store.adapter: adapter plug-in threw while it was set up (Error: cannot start)']);
  });

  it('an unknown adapter name (no such package either) gets the registered names and a suggestion', async () => {
    expect(await messages(load(config('{ "adapter": "memroy", "table": "x" }')))).toEqual([
      '5:29 jobs[0].sides.store.adapter: must be one of "airtable", "webflow", "memory", "postgres", "key-value" (did you mean "memory"?), or an adapter plug-in: a module path starting with "./" or an installed package',
    ]);
  });
});

describe('adapter plug-ins installed as packages', () => {
  /** A package in node_modules beside the config, as `npm install syncframe-adapter-kv` would leave it. */
  const kvPackage = (index: string) => ({
    'node_modules/syncframe-adapter-kv/package.json': JSON.stringify({ name: 'syncframe-adapter-kv', type: 'module', exports: './index.mjs' }),
    'node_modules/syncframe-adapter-kv/index.mjs': index,
  });

  async function loadWith(files: Record<string, string>, side: string) {
    const dir = await tempFiles({ 'jobs.jsonc': config(side), ...MAPPERS, ...files });
    try {
      return await loadConfig(path.join(dir.dir, 'jobs.jsonc'), { env: {}, adapters: BUILTIN_ADAPTER_PLUGINS });
    } finally {
      await dir.cleanup();
    }
  }

  it('resolves a package name from the config file\'s folder and validates with its schema', async () => {
    const plugin = 'export default ({ z }) => ({ name: "kv", options: z.strictObject({ bucket: z.string().min(1) }), tableOf: (o) => o.bucket, create() { throw new Error("unused"); } });\n';
    const loaded = await loadWith(kvPackage(plugin), '{ "adapter": "syncframe-adapter-kv", "bucket": "people" }');
    expect(loaded.jobs[0]!.source).toMatchObject({ adapter: 'syncframe-adapter-kv', plugin: 'kv', table: 'people', options: { bucket: 'people' } });
    expect(await messages(loadWith(kvPackage(plugin), '{ "adapter": "syncframe-adapter-kv", "buckt": "people" }')))
      .toEqual(['5:53 jobs[0].sides.store.buckt: unknown key (did you mean "bucket"?)']);
  });

  it('a package that exports no factory fails at the side\'s adapter', async () => {
    expect(await messages(loadWith(kvPackage('export const nothing = 1;\n'), '{ "adapter": "syncframe-adapter-kv" }')))
      .toEqual(['5:29 jobs[0].sides.store.adapter: adapter plug-in must have a factory function as its default export (see defineAdapter) (its default export is missing)']);
  });
});
