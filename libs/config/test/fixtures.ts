import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import * as config from '../src/index.js';
import type { EnvVars, LoadConfigOptions } from '../src/index.js';

/** loadConfig with the adapters SyncFrame ships registered, as every SyncFrame process loads a config. */
export const loadConfig = (file: string, options: LoadConfigOptions = {}) => config.loadConfig(file, { adapters: BUILTIN_ADAPTER_PLUGINS, ...options });

/** parseConfigText with the adapters SyncFrame ships registered. */
export const parseConfigText = (text: string, file: string, env: EnvVars = {}) => config.parseConfigText(text, file, env, BUILTIN_ADAPTER_PLUGINS);

/** Distinctive values that must never show up in an error or a display. */
export const AIRTABLE_SECRET = 'patSECRET-4f1c9e7a-airtable';
export const WEBFLOW_SECRET = 'wfSECRET-83b2d0c6-webflow';
export const TEST_ENV = { AIRTABLE_TOKEN: AIRTABLE_SECRET, WEBFLOW_TOKEN: WEBFLOW_SECRET };

/**
 * A valid config used as the base of the broken ones; each case changes one line so line
 * numbers stay put. Line numbers on the right.
 */
export const BASE_CONFIG = [
  '{', //                                                                                1
  '  "jobs": [', //                                                                      2
  '    {', //                                                                            3
  '      "id": "airtable-videos__webflow-videos",', //                                   4
  '      "schedule": "*/5 * * * *",', //                                                  5
  '      "sides": {', //                                                                 6
  '        "airtable": {', //                                                            7
  '          "adapter": "airtable",', //                                                 8
  '          "table": "Videos", "last_modified_field": "Modified",', //              9
  '          "creds": { "apiKey": "${AIRTABLE_TOKEN}", "baseId": "app123" },', //       10
  '          "throttle": { "max_reqs": 5, "interval_sec": 1, "batch_size": 10 }', //    11
  '        },', //                                                                      12
  '        "webflow": {', //                                                            13
  '          "adapter": "webflow",', //                                                 14
  '          "collection": "0123456789abcdef01234567",', //                             15
  '          "creds": { "token": "${WEBFLOW_TOKEN}" }', //                              16
  '        }', //                                                                       17
  '      },', //                                                                        18
  '      "mappings": {', //                                                             19
  '        "airtable→webflow": "./maps/at-to-wf.js",', //                               20
  '        "webflow->airtable": "./maps/wf-to-at.js"', //                               21
  '      },', //                                                                        22
  '      "match": { "airtable": "Slug", "webflow": "slug" }', //                        23
  '    }', //                                                                           24
  '  ]', //                                                                             25
  '}', //                                                                               26
  '',
].join('\n');

/** BASE_CONFIG with `from` (which must occur exactly once) replaced by `to`. */
export function edit(from: string, to: string, text = BASE_CONFIG): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`edit: ${JSON.stringify(from)} must occur exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

export const MAPPERS = {
  'maps/at-to-wf.js': 'export default (record) => ({ fields: { name: record.fields.Name }, direction: "at-to-wf" });\n',
  'maps/wf-to-at.js': 'export default (record) => ({ fields: { Name: record.fields.name }, direction: "wf-to-at" });\n',
};

/** A fresh folder holding `files` (relative paths); removed by the returned cleanup. */
export async function tempFiles(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'syncframe-config-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
