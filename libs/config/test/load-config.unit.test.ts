import path from 'node:path';
import { DEFAULT_RETRIES, type MapperContext, type SyncRecord } from '@syncframe/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigFileError, describeConfig, redactSide, secretValuesOfSide, type LoadedConfig } from '../src/index.js';
import { AIRTABLE_SECRET, BASE_CONFIG, edit, loadConfig, MAPPERS, parseConfigText, TEST_ENV, tempFiles, WEBFLOW_SECRET } from './fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function folder(files: Record<string, string>): Promise<string> {
  const { dir, cleanup } = await tempFiles({ ...MAPPERS, ...files });
  cleanups.push(cleanup);
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<ConfigFileError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConfigFileError);
  return error as ConfigFileError;
}

const RECORD: SyncRecord = { id: 'rec1', fields: { Name: 'A', name: 'a' }, updatedAt: '2024-01-01T00:00:00.000Z', deleted: false };
const CTX = {} as MapperContext;

/** Which fixture mapper a function is: each one tags its result with its direction. */
async function directionOf(fn: LoadedConfig['jobs'][number]['mappers']['toDest']): Promise<unknown> {
  return ((await fn(RECORD, CTX)) as { direction?: string } | null)?.direction;
}

const MINIMAL = `{
  "jobs": [{
    "id": "demo",
    "sides": {
      "left": { "adapter": "memory", "table": "l" },
      "right": { "adapter": "memory", "table": "r" }
    },
    "mappings": { "left→right": "./maps/at-to-wf.js", "right→left": "./maps/wf-to-at.js" }
  }]
}`;

describe('loadConfig', () => {
  it('loads a valid file: sides by role, mapper functions, absolute paths', async () => {
    const dir = await folder({ 'jobs.jsonc': BASE_CONFIG });
    const config = await loadConfig(path.join(dir, 'jobs.jsonc'), { env: TEST_ENV });
    expect(config.file).toBe(path.join(dir, 'jobs.jsonc'));
    expect(config.dir).toBe(dir);
    const [job] = config.jobs;
    expect(job?.id).toBe('airtable-videos__webflow-videos');
    expect(job?.source).toMatchObject({ name: 'airtable', adapter: 'airtable', plugin: 'airtable', table: 'Videos', configDir: dir, options: { table: 'Videos', creds: { apiKey: AIRTABLE_SECRET, baseId: 'app123' } } });
    expect(job?.dest).toMatchObject({ name: 'webflow', adapter: 'webflow', plugin: 'webflow', table: '0123456789abcdef01234567', options: { creds: { token: WEBFLOW_SECRET } } });
    // SyncFrame's keys of every side are not the plug-in's options.
    expect(job?.source.options).not.toHaveProperty('throttle');
    expect(job?.source.options).not.toHaveProperty('adapter');
    expect(job?.source.throttle).toEqual({ max_reqs: 5, interval_sec: 1, batch_size: 10 });
    expect(job?.match).toEqual({ source: 'Slug', dest: 'slug' });
    expect(job?.schedule).toEqual({ cron: '*/5 * * * *' });
    expect(job?.mappers.toDestPath).toBe(path.join(dir, 'maps/at-to-wf.js'));
    expect(job?.mappers.toSourcePath).toBe(path.join(dir, 'maps/wf-to-at.js'));
    expect(await directionOf(job!.mappers.toDest)).toBe('at-to-wf');
    expect(await directionOf(job!.mappers.toSource)).toBe('wf-to-at');
  });

  it.each([
    ['a→b and b->a', '"airtable→webflow"', '"webflow->airtable"'],
    ['a->b and b→a', '"airtable->webflow"', '"webflow→airtable"'],
    ['a→b and b→a', '"airtable→webflow"', '"webflow→airtable"'],
    ['a->b and b->a', '"airtable->webflow"', '"webflow->airtable"'],
  ])('accepts mapping keys %s', async (_, toDestKey, toSourceKey) => {
    const text = edit('"webflow->airtable"', toSourceKey, edit('"airtable→webflow"', toDestKey));
    const dir = await folder({ 'jobs.jsonc': text });
    const [job] = (await loadConfig(path.join(dir, 'jobs.jsonc'), { env: TEST_ENV })).jobs;
    expect(await directionOf(job!.mappers.toDest)).toBe('at-to-wf');
    expect(await directionOf(job!.mappers.toSource)).toBe('wf-to-at');
  });

  it('takes the source from the first side in the file, whatever the mapping order', async () => {
    const text = MINIMAL.replace(
      '"left": { "adapter": "memory", "table": "l" },\n      "right": { "adapter": "memory", "table": "r" }',
      '"right": { "adapter": "memory", "table": "r" },\n      "left": { "adapter": "memory", "table": "l" }',
    );
    const dir = await folder({ 'jobs.jsonc': text });
    const [job] = (await loadConfig(path.join(dir, 'jobs.jsonc'), { env: {} })).jobs;
    expect([job?.source.name, job?.dest.name]).toEqual(['right', 'left']);
    // right→left is wf-to-at.js in MINIMAL.
    expect(await directionOf(job!.mappers.toDest)).toBe('wf-to-at');
  });

  it('applies the defaults', async () => {
    const dir = await folder({ 'jobs.jsonc': MINIMAL });
    const config = await loadConfig(path.join(dir, 'jobs.jsonc'), { env: {} });
    expect(config.linkindex).toEqual({ driver: 'pglite', conn: path.join(dir, '.syncframe/pglite') });
    const [job] = config.jobs;
    expect(job).toMatchObject({ enabled: true, schedule: null, match: null, conflictPolicy: 'last_writer_wins', retries: DEFAULT_RETRIES });
    expect(job?.source).toEqual({ name: 'left', adapter: 'memory', plugin: 'memory', table: 'l', options: { table: 'l', hard_delete: false }, configDir: dir });
    // No throttle in the file: none here, the adapter's own limits apply at wiring.
    expect(job?.source.throttle).toBeUndefined();
  });

  it('reads reconcile (in ms) and delete_brake; without them: no reconciliation, the default brake', async () => {
    const text = edit('"match":', '"reconcile": { "every": "6h" }, "delete_brake": { "max_count": 5 }, "match":');
    const [job] = (await loadConfig(path.join(await folder({ 'jobs.jsonc': text }), 'jobs.jsonc'), { env: TEST_ENV })).jobs;
    expect(job).toMatchObject({ reconcile: { everyMs: 6 * 3600_000 }, deleteBrake: { maxCount: 5, maxShare: 0.1 } });
    const off = edit('"match":', '"delete_brake": false, "match":');
    const [unbraked] = (await loadConfig(path.join(await folder({ 'jobs.jsonc': off }), 'jobs.jsonc'), { env: TEST_ENV })).jobs;
    expect(unbraked?.deleteBrake).toBeNull();
    const [plain] = (await loadConfig(path.join(await folder({ 'jobs.jsonc': BASE_CONFIG }), 'jobs.jsonc'), { env: TEST_ENV })).jobs;
    expect(plain).toMatchObject({ reconcile: null, deleteBrake: { maxCount: 50, maxShare: 0.1 } });
  });

  it('reads settle_sec and settle_max_sec per side, and leaves them out where the file has none', async () => {
    const text = edit('"table": "Videos",', '"table": "Videos", "settle_sec": 30, "settle_max_sec": 30,', edit(
      '"collection": "0123456789abcdef01234567",', '"collection": "0123456789abcdef01234567", "settle_sec": 0,',
    ));
    const dir = await folder({ 'jobs.jsonc': text });
    const [job] = (await loadConfig(path.join(dir, 'jobs.jsonc'), { env: TEST_ENV })).jobs;
    expect(job?.source).toMatchObject({ settle_sec: 30, settle_max_sec: 30 });
    expect(job?.dest).toMatchObject({ settle_sec: 0 });
    expect(job?.dest.settle_max_sec).toBeUndefined();
    const [plain] = (await loadConfig(path.join(await folder({ 'jobs.jsonc': BASE_CONFIG }), 'jobs.jsonc'), { env: TEST_ENV })).jobs;
    expect(plain?.source.settle_sec).toBeUndefined();
    expect(plain?.source.settle_max_sec).toBeUndefined();
  });

  it('fills adapter defaults and merges partial retries key by key', async () => {
    const text = edit(
      '"match": { "airtable": "Slug", "webflow": "slug" }',
      '"match": { "airtable": "Slug", "webflow": "slug" }, "retries": { "max_attempts": 2 }, "enabled": false, "conflict_policy": "manual"',
    );
    const dir = await folder({ 'jobs.jsonc': text });
    const [job] = (await loadConfig(path.join(dir, 'jobs.jsonc'), { env: TEST_ENV })).jobs;
    expect(job?.retries).toEqual({ ...DEFAULT_RETRIES, max_attempts: 2 });
    expect(job).toMatchObject({ enabled: false, conflictPolicy: 'manual' });
    expect(job?.source.options).toMatchObject({ typecast: false, hard_delete: false });
    expect(job?.dest.options).toMatchObject({ publish: 'staged', hard_delete: false });
    expect(job?.dest.throttle).toBeUndefined();
  });

  it('reads conflict_policy field_merge with field_conflict, defaulting field_conflict to last_writer_wins', async () => {
    const withPolicy = (extra: string) => edit('"match": { "airtable": "Slug", "webflow": "slug" }', `"match": { "airtable": "Slug", "webflow": "slug" }, ${extra}`);
    const manualDir = await folder({ 'jobs.jsonc': withPolicy('"conflict_policy": "field_merge", "field_conflict": "manual"') });
    const [manual] = (await loadConfig(path.join(manualDir, 'jobs.jsonc'), { env: TEST_ENV })).jobs;
    expect(manual).toMatchObject({ conflictPolicy: 'field_merge', fieldConflict: 'manual' });
    const defaultDir = await folder({ 'jobs.jsonc': withPolicy('"conflict_policy": "field_merge"') });
    const [lww] = (await loadConfig(path.join(defaultDir, 'jobs.jsonc'), { env: TEST_ENV })).jobs;
    expect(lww).toMatchObject({ conflictPolicy: 'field_merge', fieldConflict: 'last_writer_wins' });
    // Other policies carry no fieldConflict at all.
    const plainDir = await folder({ 'jobs.jsonc': withPolicy('"conflict_policy": "manual"') });
    const [plain] = (await loadConfig(path.join(plainDir, 'jobs.jsonc'), { env: TEST_ENV })).jobs;
    expect(plain && 'fieldConflict' in plain).toBe(false);
  });

  it('reads the schedule object form and link index drivers', async () => {
    const text = MINIMAL.replace('"id": "demo",', '"id": "demo", "schedule": { "cron": "0 6 * * 1-5", "timezone": "Europe/Paris" },').replace(
      '{\n  "jobs"',
      '{ "linkindex": { "driver": "pglite", "conn": "data/links", "schema": "sync" },\n  "jobs"',
    );
    const dir = await folder({ 'jobs.jsonc': text });
    const config = await loadConfig(path.join(dir, 'jobs.jsonc'), { env: {} });
    expect(config.jobs[0]?.schedule).toEqual({ cron: '0 6 * * 1-5', timezone: 'Europe/Paris' });
    expect(config.linkindex).toEqual({ driver: 'pglite', conn: path.join(dir, 'data/links'), schema: 'sync' });
  });

  it('reads ${VAR} from a .env beside the file, the environment winning', async () => {
    const dir = await folder({
      'jobs.jsonc': BASE_CONFIG,
      '.env': `# comment\nAIRTABLE_TOKEN=from-dotenv\nWEBFLOW_TOKEN="also-from-dotenv"\n`,
    });
    const [job] = (await loadConfig(path.join(dir, 'jobs.jsonc'), { env: { WEBFLOW_TOKEN: 'from-env', AIRTABLE_TOKEN: undefined } })).jobs;
    expect(job?.source.options).toMatchObject({ creds: { apiKey: 'from-dotenv' } });
    expect(job?.dest.options).toMatchObject({ creds: { token: 'from-env' } });
  });

  it('does not read a .env from the current folder, only from beside the file', async () => {
    const dir = await folder({ 'sub/jobs.jsonc': BASE_CONFIG.replaceAll('./maps/', '../maps/'), '.env': 'WEBFLOW_TOKEN=x\n' });
    const error = await rejection(loadConfig(path.join(dir, 'sub/jobs.jsonc'), { env: { AIRTABLE_TOKEN: 'a' } }));
    expect(error.issues.map((i) => i.message)).toEqual(['environment variable WEBFLOW_TOKEN is not set']);
  });

  it('expands several variables in one string, and $${ as a literal ${', async () => {
    const text = edit('"table": "Videos"', '"table": "${PREFIX}-${SUFFIX} $${NOT_A_VAR} $5"');
    const dir = await folder({ 'jobs.jsonc': text });
    const [job] = (await loadConfig(path.join(dir, 'jobs.jsonc'), { env: { ...TEST_ENV, PREFIX: 'vid', SUFFIX: 'eos' } })).jobs;
    expect(job?.source).toMatchObject({ table: 'vid-eos ${NOT_A_VAR} $5', options: { table: 'vid-eos ${NOT_A_VAR} $5' } });
  });

  it('names the file as the caller gave it, with 1-based positions that survive CRLF and a BOM', async () => {
    const dir = await folder({ 'jobs.jsonc': `\uFEFF${edit('"table": "Videos"', '"tabel": "Videos"').replaceAll('\n', '\r\n')}` });
    const relative = path.relative(process.cwd(), path.join(dir, 'jobs.jsonc'));
    const error = await rejection(loadConfig(relative, { env: TEST_ENV }));
    expect(error.issues).toEqual([
      { file: relative, line: 9, column: 11, path: 'jobs[0].sides.airtable.tabel', message: 'unknown key (did you mean "table"?)' },
    ]);
  });

  it('reports a missing config file', async () => {
    const dir = await folder({});
    const error = await rejection(loadConfig(path.join(dir, 'nope.jsonc')));
    expect(error.message).toBe(`${path.join(dir, 'nope.jsonc')}:1:1 config file not found`);
  });
});

describe('secrets', () => {
  const SECRETS = {
    SECRET_URL: 'not a url but SECRET-url-7d1e',
    SECRET_CRON: '99 SECRET * * *',
    SECRET_ID: 'SECRET:id-91aa',
    SECRET_MAP: './maps/SECRET-map-5b2c.js',
    SECRET_ZONE: 'SECRET/Zone-0c3f',
    SECRET_PUBLISH: 'SECRET-publish-e81d',
    SECRET_BASE: 'SECRET-base-77aa',
  };

  it('never puts a variable value in an error, whatever check fails', async () => {
    let text = edit('"schedule": "*/5 * * * *"', '"schedule": { "cron": "${SECRET_CRON}", "timezone": "${SECRET_ZONE}" }');
    text = edit('"id": "airtable-videos__webflow-videos"', '"id": "${SECRET_ID}"', text);
    text = edit('"adapter": "webflow",', '"adapter": "webflow", "api_url": "${SECRET_URL}", "publish": "${SECRET_PUBLISH}",', text);
    text = edit('"baseId": "app123"', '"baseId": "${SECRET_BASE}"', text);
    text = edit('"./maps/wf-to-at.js"', '"${SECRET_MAP}"', text);
    const dir = await folder({ 'jobs.jsonc': text });
    const error = await rejection(loadConfig(path.join(dir, 'jobs.jsonc'), { env: { ...TEST_ENV, ...SECRETS } }));
    // Every planted problem is reported…
    expect(error.issues.map((i) => i.path)).toEqual([
      'jobs[0].id',
      'jobs[0].schedule.cron',
      'jobs[0].schedule.timezone',
      'jobs[0].sides.airtable.creds.baseId',
      'jobs[0].sides.webflow.api_url',
      'jobs[0].sides.webflow.publish',
      'jobs[0].mappings["webflow->airtable"]',
    ]);
    // …without a trace of any value.
    const everything = `${error.message}\n${JSON.stringify(error.issues)}\n${String(error.stack)}`;
    for (const value of [...Object.values(SECRETS), AIRTABLE_SECRET, WEBFLOW_SECRET, 'SECRET']) {
      expect(everything).not.toContain(value);
    }
  });

  it('masks creds and env-derived values in describeConfig and redactSide', async () => {
    const text = edit('"table": "Videos"', '"table": "${SECRET_BASE}"').replace(
      '{\n  "jobs"',
      '{ "linkindex": { "driver": "postgres", "conn": "postgres://sync:pw-SECRET-77@db/sync" },\n  "jobs"',
    );
    const dir = await folder({ 'jobs.jsonc': text });
    const config = await loadConfig(path.join(dir, 'jobs.jsonc'), { env: { ...TEST_ENV, ...SECRETS } });
    const shown = describeConfig(config);
    const json = JSON.stringify(shown);
    for (const value of [AIRTABLE_SECRET, WEBFLOW_SECRET, SECRETS.SECRET_BASE, 'pw-SECRET-77']) expect(json).not.toContain(value);
    expect(shown.linkindex.conn).toBe('postgres://sync:***@db/sync');
    expect(shown.jobs[0]?.source).toMatchObject({ table: '***', options: { table: '***', creds: { apiKey: '***', baseId: '***' } } });
    expect(shown.jobs[0]?.mappers).toEqual({ toDestPath: path.join(dir, 'maps/at-to-wf.js'), toSourcePath: path.join(dir, 'maps/wf-to-at.js') });
    expect(json).not.toContain('"toDest"');
    // The loaded config itself is untouched.
    expect(config.jobs[0]?.source).toMatchObject({ table: SECRETS.SECRET_BASE, options: { table: SECRETS.SECRET_BASE, creds: { apiKey: AIRTABLE_SECRET } } });

    expect(redactSide(config.jobs[0]!.dest)).toMatchObject({ name: 'webflow', options: { creds: { token: '***' } } });
    // A side built by hand: its plug-in's secret options (this process loaded webflow's above), and any URL's password.
    const side = { name: 'w', adapter: 'webflow', plugin: 'webflow', table: 'c', configDir: dir, options: { collection: 'c', creds: { token: 't', site_id: 's' }, publish: 'live', hard_delete: false, api_url: 'https://u:p@proxy/' } };
    expect(redactSide(side)).toEqual({ ...side, options: { ...side.options, creds: { token: '***', site_id: '***' }, api_url: 'https://u:***@proxy/' } });
    expect(side.options.creds.token, 'the side itself is untouched').toBe('t');
    // What the board scrubs from messages: the secret options and any URL's password.
    expect(secretValuesOfSide(side)).toEqual(['t', 's', 'p']);
  });
});

describe('parseConfigText', () => {
  it('validates without importing mappers or reading .env', () => {
    const config = parseConfigText(edit('./maps/wf-to-at.js', './maps/not-there.js'), '/srv/sync/jobs.jsonc', TEST_ENV);
    expect(config.jobs[0]?.mappers).toEqual({ toDestPath: '/srv/sync/maps/at-to-wf.js', toSourcePath: '/srv/sync/maps/not-there.js' });
    expect(config.linkindex).toEqual({ driver: 'pglite', conn: '/srv/sync/.syncframe/pglite' });
  });

  it('throws a ConfigFileError with structured issues', () => {
    let error: unknown;
    try {
      parseConfigText('{ "jobs": [], }', 'config/jobs.jsonc', {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as ConfigFileError).name).toBe('ConfigFileError');
    expect((error as ConfigFileError).retryable).toBe(false);
    expect((error as ConfigFileError).issues).toEqual([
      { file: 'config/jobs.jsonc', line: 1, column: 11, path: 'jobs', message: 'must list at least one job' },
    ]);
    expect((error as ConfigFileError).message).toBe('config/jobs.jsonc:1:11 jobs: must list at least one job');
  });

  it('accepts comments and trailing commas', () => {
    const text = `// header\n${MINIMAL.replace('"id": "demo",', '/* inline */ "id": "demo", // trailing\n')}`.replace('"table": "r" }', '"table": "r", },');
    expect(parseConfigText(text, 'x.jsonc').jobs[0]?.id).toBe('demo');
  });

  it('keeps URLs as PGlite data dirs and reports several syntax errors at once', () => {
    const text = MINIMAL.replace('{\n  "jobs"', '{ "linkindex": { "driver": "pglite", "conn": "memory://" },\n  "jobs"');
    expect(parseConfigText(text, 'x.jsonc').linkindex).toEqual({ driver: 'pglite', conn: 'memory://' });
    expect(() => parseConfigText('{ "jobs": [ 1 2 ], "x" }', 'x.jsonc')).toThrow(
      'x.jsonc:1:15 JSON syntax error: comma expected\nx.jsonc:1:24 JSON syntax error: colon expected',
    );
  });
});
