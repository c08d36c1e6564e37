import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MapperFn } from '@syncframe/engine';

export type MapperLoadResult =
  | { readonly ok: true; readonly fn: MapperFn }
  | { readonly ok: false; readonly message: string; readonly detail?: string };

function firstLine(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.split('\n', 1)[0]!;
}

/**
 * Imports one mapper module and checks its default export, so a broken mapper fails at startup
 * with the config's location rather than at its first run. A missing file is told apart from a
 * module that fails to load: both throw ERR_MODULE_NOT_FOUND when imported, but the second means
 * the mapper's own imports are broken.
 */
export async function loadMapper(absolutePath: string): Promise<MapperLoadResult> {
  const file = await stat(absolutePath).catch(() => undefined);
  if (!file?.isFile()) return { ok: false, message: 'mapper module not found', detail: absolutePath };
  let module: { default?: unknown };
  try {
    module = (await import(/* @vite-ignore */ pathToFileURL(absolutePath).href)) as { default?: unknown };
  } catch (err) {
    return { ok: false, message: 'mapper module failed to load', detail: firstLine(err) };
  }
  if (typeof module.default !== 'function') {
    const got = module.default === undefined ? 'it has no default export' : `its default export is ${typeof module.default}`;
    return {
      ok: false,
      message: 'mapper module must have a function as its default export',
      detail: got,
    };
  }
  return { ok: true, fn: module.default as MapperFn };
}

/** Loads each distinct module once, however many mappings name it. */
export class MapperLoader {
  private readonly cache = new Map<string, Promise<MapperLoadResult>>();

  load(dir: string, specifier: string): Promise<MapperLoadResult> {
    const absolutePath = path.resolve(dir, specifier);
    let result = this.cache.get(absolutePath);
    if (result === undefined) {
      result = loadMapper(absolutePath);
      this.cache.set(absolutePath, result);
    }
    return result;
  }
}
