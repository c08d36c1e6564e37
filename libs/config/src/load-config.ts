import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import type { MapperFn } from '@syncframe/engine';
import { adapterReferences, analyzeConfigText, sortAdapterResults } from './analyze-config-text.js';
import { AdapterLoader } from './load-adapters.js';
import { ConfigFileError } from './config-file-error.js';
import type { EnvVars, JobConfig, LoadConfigOptions, LoadedConfig } from './config-types.js';
import { envDerivedFields, markEnvDerived } from './env-derived.js';
import { keyPathId } from './key-path.js';
import { locateIssue } from './locate-issue.js';
import { MapperLoader } from './load-mappers.js';

/** The file beside the config whose variables fill `${VAR}` when the environment has none. */
export const DOTENV_FILE = '.env';

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** `{ X: undefined }` means "not set", so it must not hide X from .env when spread over it. */
function definedOnly(env: EnvVars): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function cannotRead(file: string, what: string, err: unknown): ConfigFileError {
  const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
  return new ConfigFileError([{ file, line: 1, column: 1, path: '', message: `cannot read ${what} (${code})` }], { cause: err });
}

/**
 * Reads, expands and validates a JSONC config file, and imports its mapper modules.
 *
 * `${VAR}` takes its value from `options.env`, then from a `.env` file beside the config file.
 * Relative paths in the file (mapper modules, the PGlite folder) are relative to its folder.
 *
 * @param file - path of the config file; messages name it as given.
 * @throws ConfigFileError listing every problem found, one `FILE:LINE:COL path: message` per line.
 */
export async function loadConfig(file: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  let text: string | undefined;
  try {
    text = await readText(absolute);
  } catch (err) {
    throw cannotRead(file, 'the config file', err);
  }
  if (text === undefined) {
    throw new ConfigFileError([{ file, line: 1, column: 1, path: '', message: 'config file not found' }]);
  }

  const dotenvFile = path.join(dir, DOTENV_FILE);
  let dotenvText: string | undefined;
  try {
    dotenvText = await readText(dotenvFile);
  } catch (err) {
    throw cannotRead(path.join(path.dirname(file), DOTENV_FILE), 'the .env file', err);
  }
  // The process environment wins, as with every 12-factor loader: a deploy can override .env.
  const env: EnvVars = { ...(dotenvText === undefined ? {} : parseEnv(dotenvText)), ...definedOnly(options.env ?? process.env) };

  // Adapter plug-ins first: the schema a side is validated with comes from its plug-in.
  const adapterLoader = new AdapterLoader(options.adapters);
  const references = adapterReferences(text, file, env);
  const { plugins, problems } = sortAdapterResults(
    await Promise.all(references.map(async (ref) => [ref, await adapterLoader.load(dir, ref.specifier)] as const)),
  );

  const analysis = analyzeConfigText(text, file, env, plugins, problems);
  const { issues } = analysis;
  // Import mappers even when other checks failed, so one run reports everything.
  const loader = new MapperLoader();
  const loaded = new Map<string, MapperFn>();
  await Promise.all(
    analysis.mappers.map(async ({ path: keyPath, specifier }) => {
      const result = await loader.load(dir, specifier);
      if (result.ok) loaded.set(keyPathId(keyPath), result.fn);
      else {
        issues.add({
          offset: locateIssue(issues.tree, keyPath, 'value'),
          path: keyPath,
          message: result.message,
          ...(result.detail === undefined ? {} : { detail: result.detail }),
        });
      }
    }),
  );
  const config = analysis.config;
  if (config === undefined || issues.size > 0) throw new ConfigFileError(issues.issues());

  const byAbsolutePath = new Map<string, MapperFn>();
  for (const { path: keyPath, specifier } of analysis.mappers) {
    const fn = loaded.get(keyPathId(keyPath));
    if (fn) byAbsolutePath.set(path.resolve(dir, specifier), fn);
  }
  const jobs: JobConfig[] = config.jobs.map((job) => {
    const withMappers: JobConfig = {
      ...job,
      mappers: {
        ...job.mappers,
        toDest: byAbsolutePath.get(job.mappers.toDestPath)!,
        toSource: byAbsolutePath.get(job.mappers.toSourcePath)!,
      },
    };
    markEnvDerived(withMappers, envDerivedFields(job));
    return withMappers;
  });
  return { ...config, jobs };
}
