/**
 * The Kubernetes manifests as objects: rendered by `kubectl kustomize` when kubectl is on PATH, and
 * always by a small built-in renderer that knows exactly the Kustomize features deploy/k8s uses (it
 * refuses any other), so the policy checks run on every machine. Where kubectl exists, a test holds
 * the two renderings equal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoPath } from './code-facts.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export interface K8sObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string };
}

export const K8S_DIR = repoPath('deploy/k8s');
export const BASE = path.join(K8S_DIR, 'base');
export const KEDA = path.join(K8S_DIR, 'components/keda');
export const EXAMPLE_OVERLAY = path.join(K8S_DIR, 'overlays/example');

/** The YAML documents of a file (empty documents dropped); a syntax error throws. */
export function readYamlDocuments(file: string): Json[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as Json;
    return value === null ? [] : [value];
  });
}

export function asObject(value: Json | undefined, what: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value;
}

export function asK8sObject(value: Json, what: string): K8sObject {
  const object = asObject(value, what);
  const metadata = object['metadata'];
  if (typeof object['apiVersion'] !== 'string' || typeof object['kind'] !== 'string' || typeof asObject(metadata, `${what}.metadata`)['name'] !== 'string') {
    throw new Error(`${what}: not a Kubernetes object (apiVersion, kind and metadata.name)`);
  }
  return object as K8sObject;
}

/** `kubectl version --client`, or null when kubectl cannot be run here. */
export const KUBECTL_VERSION: string | null = (() => {
  const result = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout.trim().replace(/\s*\n\s*/g, ', ') : null;
})();

/** `kubectl kustomize` of a kustomization directory. */
export function kubectlKustomize(dir: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr || result.error?.message}`);
  return parseAllDocuments(result.stdout).map((doc, i) => asK8sObject(doc.toJS() as Json, `${dir} document ${i}`));
}

/** A throwaway kustomization of `resources` plus `components`, for combinations no folder holds. */
export function kubectlKustomizeCombination(resources: string[], components: string[]): K8sObject[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'syncframe-kustomize-'));
  try {
    // Kustomize takes no absolute paths, but relative ones may leave the folder.
    const relative = (paths: string[]) => paths.map((p) => path.relative(dir, p));
    writeFileSync(path.join(dir, 'kustomization.yaml'), JSON.stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: relative(resources), components: relative(components),
    }));
    return kubectlKustomize(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- The built-in renderer --------------------------------------------------------------------

const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'components', 'configMapGenerator', 'patches', 'images']);

export function readKustomization(dir: string): JsonObject {
  const [doc, ...rest] = readYamlDocuments(path.join(dir, 'kustomization.yaml'));
  if (rest.length > 0) throw new Error(`${dir}/kustomization.yaml: one document expected`);
  const kustomization = asObject(doc, `${dir}/kustomization.yaml`);
  for (const key of Object.keys(kustomization)) {
    if (!KNOWN_KEYS.has(key)) throw new Error(`${dir}/kustomization.yaml: "${key}" is not supported by the built-in renderer (deploy/test/kustomize.ts)`);
  }
  return kustomization;
}

const list = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : []);

/** The entry, when it uses no option but `allowed` (the built-in renderer would silently ignore others). */
function only(value: Json, allowed: string[], what: string): JsonObject {
  const entry = asObject(value, what);
  const unknown = Object.keys(entry).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new Error(`${what}: ${unknown.join(', ')} not supported by the built-in renderer (deploy/test/kustomize.ts)`);
  return entry;
}
const str = (value: Json | undefined, what: string): string => {
  if (typeof value !== 'string') throw new Error(`${what} must be a string`);
  return value;
};

function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Strategic merge as Kubernetes does it for the lists used here: lists of named items merge by `name`. */
function strategicMerge(target: Json, patch: Json): Json {
  if (Array.isArray(target) && Array.isArray(patch)) {
    const named = (items: Json[]) => items.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item) && typeof item['name'] === 'string');
    if (!named(target) || !named(patch)) return clone(patch);
    // Items new to the list come first, as Kustomize's merge writes them.
    const added = (patch as JsonObject[]).filter((item) => !target.some((existing) => (existing as JsonObject)['name'] === item['name']));
    const merged = target.map((existing) => {
      const item = (patch as JsonObject[]).find((p) => p['name'] === (existing as JsonObject)['name']);
      return item ? strategicMerge(existing, item) : clone(existing);
    });
    return [...added.map((item) => clone(item)), ...merged];
  }
  if (typeof target === 'object' && target !== null && !Array.isArray(target) && typeof patch === 'object' && patch !== null && !Array.isArray(patch)) {
    const merged: JsonObject = { ...target };
    for (const [key, value] of Object.entries(patch)) merged[key] = key in target ? strategicMerge(target[key]!, value) : clone(value);
    return merged;
  }
  return clone(patch);
}

function pointer(object: JsonObject, jsonPointer: string): { parent: JsonObject; key: string } {
  const parts = jsonPointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let parent: JsonObject = object;
  for (const part of parts.slice(0, -1)) parent = asObject(parent[part], `path ${jsonPointer}`);
  return { parent, key: parts.at(-1)! };
}

function applyJson6902(object: K8sObject, ops: Json[]): void {
  for (const op of ops.map((o) => asObject(o, 'JSON6902 operation'))) {
    const { parent, key } = pointer(object, str(op['path'], 'op.path'));
    if (op['op'] === 'remove') {
      if (!(key in parent)) throw new Error(`JSON6902 remove: ${String(op['path'])} does not exist in ${object.kind} ${object.metadata.name}`);
      delete parent[key];
    } else if (op['op'] === 'add' || op['op'] === 'replace') parent[key] = clone(op['value']!);
    else throw new Error(`JSON6902 op "${String(op['op'])}" is not supported by the built-in renderer`);
  }
}

function matchesTarget(object: K8sObject, target: JsonObject): boolean {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  return (target['kind'] === undefined || target['kind'] === object.kind)
    && (target['name'] === undefined || target['name'] === object.metadata.name)
    && (target['group'] === undefined || target['group'] === group)
    && (target['version'] === undefined || target['version'] === version);
}

function applyPatches(dir: string, objects: K8sObject[], patches: Json[]): K8sObject[] {
  let result = objects;
  for (const entry of patches.map((p) => only(p, ['path', 'patch', 'target'], `${dir}: patch`))) {
    const target = asObject(entry['target'], `${dir}: patch target (the built-in renderer needs one)`);
    const body = entry['path'] !== undefined
      ? readYamlDocuments(path.join(dir, str(entry['path'], 'patch path')))
      : parseAllDocuments(str(entry['patch'], 'inline patch')).map((d) => d.toJS() as Json);
    const [patch] = body;
    result = result.map((object) => {
      if (!matchesTarget(object, target)) return object;
      if (Array.isArray(patch)) {
        const patched = clone(object);
        applyJson6902(patched, patch);
        return patched;
      }
      const { metadata: _ignored, ...rest } = asObject(patch, 'strategic merge patch');
      return strategicMerge(object, rest) as K8sObject;
    });
  }
  return result;
}

const CLUSTER_SCOPED = new Set(['Namespace']);

/**
 * Renders a kustomization (a Kustomization or a Component applied to `input`) with the features
 * deploy/k8s uses: resources, components, configMapGenerator (files; no hash suffix, see
 * {@link withoutHashSuffixes}), patches with a target (strategic merge files, inline JSON6902),
 * labels, images, namespace. Any other feature or option throws rather than being ignored.
 */
export function renderBuiltIn(dir: string, input: K8sObject[] = []): K8sObject[] {
  const k = readKustomization(dir);
  let objects = [...input];
  for (const resource of list(k['resources']).map((r) => path.join(dir, str(r, 'resource')))) {
    if (statSync(resource).isDirectory()) objects.push(...renderBuiltIn(resource));
    else objects.push(...readYamlDocuments(resource).map((doc, i) => asK8sObject(doc, `${resource} document ${i}`)));
  }
  for (const generator of list(k['configMapGenerator']).map((g) => only(g, ['name', 'files', 'behavior'], `${dir}: configMapGenerator`))) {
    if (![undefined, 'create', 'replace'].includes(generator['behavior'] as string | undefined)) throw new Error(`${dir}: configMapGenerator behavior ${String(generator['behavior'])} not supported by the built-in renderer`);
    const name = str(generator['name'], 'configMapGenerator name');
    const data = Object.fromEntries(list(generator['files']).map((f) => {
      const file = str(f, 'configMapGenerator file');
      if (file.includes('=')) throw new Error(`${dir}: configMapGenerator "key=file" not supported by the built-in renderer`);
      return [path.basename(file), readFileSync(path.join(dir, file), 'utf8')];
    }));
    if (generator['behavior'] === 'replace') objects = objects.filter((o) => !(o.kind === 'ConfigMap' && o.metadata.name === name));
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
  }
  for (const component of list(k['components']).map((c) => path.join(dir, str(c, 'component')))) {
    objects = renderBuiltIn(component, objects);
  }
  objects = applyPatches(dir, objects, list(k['patches']));
  // Like Kustomize, a kustomization's (or component's) transformers act on everything it holds.
  for (const labels of list(k['labels']).map((l) => only(l, ['pairs', 'includeTemplates'], `${dir}: labels`))) {
    const pairs = asObject(labels['pairs'], 'labels.pairs');
    for (const object of objects) {
      object.metadata['labels'] = { ...asObjectOr(object.metadata['labels']), ...pairs };
      const template = labels['includeTemplates'] === true && asObjectOr(asObjectOr(object['spec'])['template']);
      if (template && Object.keys(template).length > 0) template['metadata'] = { ...asObjectOr(template['metadata']), labels: { ...asObjectOr(asObjectOr(template['metadata'])['labels']), ...pairs } };
    }
  }
  for (const image of list(k['images']).map((i) => only(i, ['name', 'newName', 'newTag'], `${dir}: images`))) {
    for (const container of containersOf(objects)) {
      if (container['image'] === image['name']) container['image'] = `${str(image['newName'] ?? image['name'], 'newName')}:${str(image['newTag'], 'newTag')}`;
    }
  }
  if (typeof k['namespace'] === 'string') {
    for (const object of objects) if (!CLUSTER_SCOPED.has(object.kind)) object.metadata['namespace'] = k['namespace'];
  }
  return objects;
}

function asObjectOr(value: Json | undefined): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/** Every container and init container of the Deployments and Jobs among `objects`. */
export function containersOf(objects: K8sObject[]): JsonObject[] {
  return objects.flatMap((o) => {
    const pod = asObjectOr(asObjectOr(asObjectOr(o['spec'])['template'])['spec']);
    return [...list(pod['initContainers']), ...list(pod['containers'])].map((c) => asObject(c, `${o.kind} ${o.metadata.name} container`));
  });
}

/** Generated ConfigMap names without Kustomize's content hash (`syncframe-config-49fb7f66bc` → `syncframe-config`), references included. */
export function withoutHashSuffixes(objects: K8sObject[]): K8sObject[] {
  const HASHED = /^(.*)-[a-z0-9]{10}$/;
  const plain = new Map<string, string>();
  for (const o of objects) {
    const m = o.kind === 'ConfigMap' ? HASHED.exec(o.metadata.name) : null;
    if (m) plain.set(o.metadata.name, m[1]!);
  }
  const rename = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(rename);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === 'name' && typeof value === 'string' ? (plain.get(value) ?? value) : rename(value)]));
  };
  return objects.map((o) => rename(o) as K8sObject);
}

/** `Kind/name` → object, for comparing renderings whatever their order. */
export function byKindAndName(objects: K8sObject[]): Map<string, K8sObject> {
  return new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
}
