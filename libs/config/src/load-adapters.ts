import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdapterPlugin, AdapterPluginFactory } from '@syncframe/adapter-kit/plugin';
import { adapterPluginProblem } from '@syncframe/adapter-kit/plugin';
import { z } from 'zod';
import { didYouMeanSuffix } from './did-you-mean.js';

export type AdapterLoadResult =
  | { readonly ok: true; readonly plugin: AdapterPlugin }
  | { readonly ok: false; readonly message: string; readonly detail?: string };

/** Every plug-in loaded in this process, by where it came from: how a side's adapter is built later. */
const loaded = new Map<string, AdapterPlugin>();

/** The key a side's plug-in is found under: a path made absolute against the config's folder, else the name as written. */
export function pluginKey(dir: string, adapter: string): string {
  return isPath(adapter) ? path.resolve(dir, adapter) : adapter;
}

/** The plug-in a side was validated with (loaded by `loadConfig` or `parseConfigText` in this process). */
export function adapterPluginOf(side: { readonly adapter: string; readonly configDir: string }): AdapterPlugin {
  const plugin = loaded.get(pluginKey(side.configDir, side.adapter));
  if (!plugin) throw new Error(`adapter plug-in ${side.adapter} was not loaded by this process's loadConfig`);
  return plugin;
}

/** What a side's `adapter` that names nothing gets: the registered names (with a suggestion), and how to name a plug-in. */
export function unknownAdapterMessage(adapter: string, registered: readonly string[]): string {
  const plugin = 'an adapter plug-in: a module path starting with "./" or an installed package';
  if (registered.length === 0) return `names no installed package; must be ${plugin}`;
  return `must be one of ${registered.map((a) => JSON.stringify(a)).join(', ')}${didYouMeanSuffix(adapter, registered)}, or ${plugin}`;
}

function isPath(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || path.isAbsolute(specifier);
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.split('\n', 1)[0]!;
}

/** Runs a plug-in's factory with SyncFrame's zod and checks what it returns. */
export function instantiate(factory: unknown): AdapterLoadResult {
  if (typeof factory !== 'function') {
    return { ok: false, message: 'adapter plug-in must have a factory function as its default export (see defineAdapter)', detail: `its default export is ${factory === undefined ? 'missing' : typeof factory}` };
  }
  let plugin: unknown;
  try {
    plugin = (factory as AdapterPluginFactory)({ z });
  } catch (err) {
    return { ok: false, message: 'adapter plug-in threw while it was set up', detail: firstLine(err) };
  }
  const problem = adapterPluginProblem(plugin);
  if (problem) return { ok: false, message: `adapter plug-in has the wrong shape: ${problem}` };
  return { ok: true, plugin: plugin as AdapterPlugin };
}

/**
 * Imports one adapter plug-in: a module path (relative to the config's folder) or a package
 * (resolved from the config's folder, then from SyncFrame's own), and checks its default export.
 */
async function importPlugin(dir: string, specifier: string, registered: readonly string[]): Promise<AdapterLoadResult> {
  let url: string;
  if (isPath(specifier)) {
    const absolute = path.resolve(dir, specifier);
    if (!(await stat(absolute).catch(() => undefined))?.isFile()) return { ok: false, message: 'adapter plug-in module not found', detail: absolute };
    url = pathToFileURL(absolute).href;
  } else {
    try {
      url = pathToFileURL(createRequire(path.join(dir, 'syncframe.config')).resolve(specifier)).href;
    } catch {
      url = specifier; // SyncFrame's own dependencies (a plug-in installed beside it)
    }
  }
  let module: { default?: unknown };
  try {
    module = (await import(/* @vite-ignore */ url)) as { default?: unknown };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!isPath(specifier) && (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') && String((err as Error).message).includes(specifier)) {
      return { ok: false, message: unknownAdapterMessage(specifier, registered) };
    }
    return { ok: false, message: 'adapter plug-in failed to load', detail: firstLine(err) };
  }
  return instantiate(module.default);
}

/**
 * Loads the adapter plug-ins a config names (each once): registered ones by name, others by
 * import. Loaded plug-ins are kept for the process ({@link adapterPluginOf}).
 */
export class AdapterLoader {
  private readonly cache = new Map<string, Promise<AdapterLoadResult>>();

  constructor(private readonly registered: Readonly<Record<string, AdapterPluginFactory>> = {}) {}

  /** A registered plug-in, else the module or package `adapter` names. */
  load(dir: string, adapter: string): Promise<AdapterLoadResult> {
    const key = pluginKey(dir, adapter);
    let result = this.cache.get(key);
    if (result === undefined) {
      const factory = this.factoryOf(adapter);
      result = (factory ? Promise.resolve(instantiate(factory)) : importPlugin(dir, adapter, Object.keys(this.registered)))
        .then((r) => this.remember(key, r));
      this.cache.set(key, result);
    }
    return result;
  }

  /** Without the file system (what `parseConfigText` validates with): a registered plug-in, else "unknown adapter". */
  loadRegistered(dir: string, adapter: string): AdapterLoadResult {
    const factory = this.factoryOf(adapter);
    if (factory) return this.remember(pluginKey(dir, adapter), instantiate(factory));
    return { ok: false, message: unknownAdapterMessage(adapter, Object.keys(this.registered)) };
  }

  private factoryOf(adapter: string): AdapterPluginFactory | undefined {
    return Object.hasOwn(this.registered, adapter) ? this.registered[adapter] : undefined;
  }

  private remember(key: string, result: AdapterLoadResult): AdapterLoadResult {
    if (result.ok) loaded.set(key, result.plugin);
    return result;
  }
}
