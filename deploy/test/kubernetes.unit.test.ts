/**
 * deploy/k8s against the Kubernetes and KEDA schemas and against the code: commands, environment,
 * probes, queue keys, drain grace, config layout. Needs no cluster; `kubectl kustomize` is used when
 * kubectl is on PATH, and the built-in renderer (deploy/test/kustomize.ts) always.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { ITriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { loadConfig, secretValuesOfSide } from '@syncframe/config';
import { startHealthServer } from '../../apps/worker/src/health-server.js';
import { fleetSettingsFromEnv } from '../../libs/fleet/src/fleet-settings.js';
import { QUEUES } from '../../libs/fleet/src/queues.js';
import {
  boardDefaultPort, boardPublicRoutes, cliCommands, cliOptions, configVars, envVarsReadByCode, NODE_RUNTIME_ENV,
  readRepoFile, repoPath, workerProbePaths,
} from './code-facts.js';
import { validateAgainstSchema } from './k8s-schemas.js';
import type { K8sObject } from './kustomize.js';
import {
  asK8sObject, BASE, byKindAndName, containersOf, EXAMPLE_OVERLAY, KEDA, KUBECTL_VERSION, kubectlKustomize,
  kubectlKustomizeCombination, readKustomization, readYamlDocuments, renderBuiltIn, withoutHashSuffixes,
} from './kustomize.js';

const COMMANDS = cliCommands();
const OPTIONS = cliOptions();
const JOBS_FILE = 'jobs.jsonc';
const SECRET = asK8sObject(readYamlDocuments(path.join(BASE, 'secret.example.yaml'))[0]!, 'secret.example.yaml') as unknown as ISecret & K8sObject;
const SECRET_VALUES = SECRET.stringData ?? {};
const ALLOWED_ENV = new Set([...envVarsReadByCode(), ...NODE_RUNTIME_ENV, ...configVars(readFileSync(path.join(BASE, 'config', JOBS_FILE), 'utf8'))]);
/** Time a worker needs after its drain grace: hand the rest back to the queue, close, exit. */
const EXIT_MARGIN_MS = 10_000;

if (!KUBECTL_VERSION) {
  console.log('deploy/k8s: kubectl is not on PATH, so rendering with `kubectl kustomize` is skipped; the built-in renderer\'s checks still run');
}

interface Rendering {
  readonly name: string;
  readonly keda: boolean;
  readonly overlay: boolean;
  builtIn(): K8sObject[];
  kubectl(): K8sObject[];
}

const RENDERINGS: Rendering[] = [
  { name: 'base', keda: false, overlay: false, builtIn: () => renderBuiltIn(BASE), kubectl: () => kubectlKustomize(BASE) },
  {
    name: 'base + components/keda', keda: true, overlay: false,
    builtIn: () => renderBuiltIn(KEDA, renderBuiltIn(BASE)),
    kubectl: () => kubectlKustomizeCombination([BASE], [KEDA]),
  },
  { name: 'overlays/example', keda: true, overlay: true, builtIn: () => renderBuiltIn(EXAMPLE_OVERLAY), kubectl: () => kubectlKustomize(EXAMPLE_OVERLAY) },
];

// ---- views ------------------------------------------------------------------------------------

const ofKind = <T>(objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as unknown as (T & K8sObject)[];
const deployments = (objects: K8sObject[]) => ofKind<IDeployment>(objects, 'Deployment');

function deployment(objects: K8sObject[], component: string): IDeployment & K8sObject {
  const found = deployments(objects).find((d) => d.spec?.template.metadata?.labels?.['app.kubernetes.io/component'] === component);
  if (!found) throw new Error(`no Deployment of component ${component}`);
  return found;
}

const podSpec = (d: IDeployment) => d.spec!.template.spec!;
const mainContainer = (d: IDeployment) => podSpec(d).containers[0]!;
const allContainers = (d: IDeployment): IContainer[] => [...(podSpec(d).initContainers ?? []), ...podSpec(d).containers];

/** The container's environment as the process sees it (literal `env` values only). */
const envOf = (c: IContainer): Record<string, string> => Object.fromEntries((c.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])));

function portNumber(c: IContainer, port: number | string | undefined): number {
  if (typeof port === 'number') return port;
  const named = c.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`container ${c.name}: no port named ${String(port)}`);
  return named.containerPort;
}

const httpProbe = (probe: IProbe | undefined, what: string) => {
  if (!probe?.httpGet) throw new Error(`${what} is not an httpGet probe`);
  return probe.httpGet;
};

/** The config volume's files as the pod sees them: path → content. */
function mountedConfigFiles(objects: K8sObject[], d: IDeployment): Map<string, string> {
  const volume = podSpec(d).volumes?.find((v) => v.name === 'config');
  const sources = volume?.projected?.sources ?? [];
  expect(sources.length, `${d.metadata?.name}: a projected "config" volume`).toBeGreaterThan(0);
  const files = new Map<string, string>();
  for (const source of sources) {
    const configMap = ofKind<IConfigMap>(objects, 'ConfigMap').find((cm) => cm.metadata.name === source.configMap?.name);
    if (!configMap) throw new Error(`${d.metadata?.name}: ConfigMap ${source.configMap?.name} is not in the rendering`);
    const items = source.configMap?.items ?? Object.keys(configMap.data ?? {}).map((key) => ({ key, path: key }));
    for (const item of items) {
      const content = configMap.data?.[item.key];
      if (content === undefined) throw new Error(`${d.metadata?.name}: ConfigMap ${configMap.metadata.name} has no key ${item.key}`);
      files.set(item.path, content);
    }
    const projected = new Set(items.map((i) => i.key));
    const unmounted = Object.keys(configMap.data ?? {}).filter((key) => !projected.has(key));
    expect(unmounted, `${configMap.metadata.name} keys no volume item mounts (add them to config-volume.yaml)`).toEqual([]);
  }
  return files;
}

// ---- the files --------------------------------------------------------------------------------

describe('deploy/k8s files', () => {
  it('every kustomization names files that exist', () => {
    for (const dir of [BASE, KEDA, EXAMPLE_OVERLAY]) {
      const k = readKustomization(dir);
      const named = [
        ...((k['resources'] ?? []) as string[]), ...((k['components'] ?? []) as string[]),
        ...((k['patches'] ?? []) as { path?: string }[]).flatMap((p) => (p.path ? [p.path] : [])),
        ...((k['configMapGenerator'] ?? []) as { files?: string[] }[]).flatMap((g) => g.files ?? []),
      ];
      for (const file of named) expect(existsSync(path.join(dir, file)), `${path.relative(repoPath(), dir)}: ${file}`).toBe(true);
    }
  });

  it('the base config is config/jobs.example.jsonc with config/maps/*, unchanged (cp them over after editing those)', () => {
    expect(readFileSync(path.join(BASE, 'config', JOBS_FILE), 'utf8')).toBe(readRepoFile('config/jobs.example.jsonc'));
    const maps = readdirSync(repoPath('config/maps'));
    expect(readdirSync(path.join(BASE, 'config/maps')).sort()).toEqual([...maps].sort());
    for (const map of maps) expect(readFileSync(path.join(BASE, 'config/maps', map), 'utf8'), map).toBe(readRepoFile('config/maps', map));
  });

  it('secret.example.yaml holds placeholders only, is applied by no kustomization, and every key is read by someone', () => {
    expect(SECRET.kind).toBe('Secret');
    validateAgainstSchema(SECRET);
    for (const [key, value] of Object.entries(SECRET_VALUES)) expect(value, key).toMatch(/CHANGE-?ME/);
    for (const dir of [BASE, KEDA, EXAMPLE_OVERLAY]) expect(JSON.stringify(readKustomization(dir))).not.toContain('secret.example');
    const kedaKeys = renderBuiltIn(KEDA, []).filter((o) => o.kind === 'TriggerAuthentication')
      .flatMap((o) => (o as unknown as ITriggerAuthentication).spec.secretTargetRef?.map((r) => r.key) ?? []);
    const unread = Object.keys(SECRET_VALUES).filter((key) => !ALLOWED_ENV.has(key) && !kedaKeys.includes(key));
    expect(unread, 'Secret keys neither the code, the jobs file nor KEDA read').toEqual([]);
  });
});

// ---- kubectl ----------------------------------------------------------------------------------

describe.skipIf(!KUBECTL_VERSION)(`kubectl kustomize (${KUBECTL_VERSION ?? 'skipped: kubectl is not on PATH'})`, () => {
  it.each(RENDERINGS)('renders $name, valid against the schemas and equal to the built-in rendering', (r) => {
    const rendered = r.kubectl();
    rendered.forEach(validateAgainstSchema);
    const expected = byKindAndName(r.builtIn());
    const actual = byKindAndName(withoutHashSuffixes(rendered));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, object] of expected) expect(actual.get(key), key).toEqual(object);
    const configMaps = rendered.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name);
    expect(configMaps.every((name) => /-[a-z0-9]{10}$/.test(name)), `content-hashed ConfigMap names: ${configMaps.join(', ')}`).toBe(true);
  });
});

// ---- policy, on every rendering -----------------------------------------------------------------

describe.each(RENDERINGS)('$name', (r) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = r.builtIn();
  });

  it('every object is valid against its Kubernetes or KEDA schema', () => {
    objects.forEach(validateAgainstSchema);
  });

  it('has the scheduler, worker and board Deployments, each covered by a PodDisruptionBudget with maxUnavailable', () => {
    const components = deployments(objects).map((d) => d.spec!.template.metadata!.labels!['app.kubernetes.io/component']);
    expect(components.sort()).toEqual(['board', 'scheduler', 'worker']);
    const pdbs = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
    for (const pdb of pdbs) {
      expect(pdb.spec?.maxUnavailable, pdb.metadata.name).toBe(1);
      expect(pdb.spec?.minAvailable, pdb.metadata.name).toBeUndefined();
    }
    for (const d of deployments(objects)) {
      const labels = d.spec!.template.metadata!.labels!;
      const covering = pdbs.filter((pdb) => Object.entries(pdb.spec?.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
      expect(covering.length, `PDBs covering ${d.metadata!.name}`).toBe(1);
    }
  });

  it('containers run a real `syncframe` subcommand through the image\'s entrypoint', () => {
    for (const c of containersOf(objects) as unknown as IContainer[]) {
      expect(c.command, `${c.name}: no command (the image's ENTRYPOINT is node on the CLI)`).toBeUndefined();
      const [subcommand, ...rest] = c.args ?? [];
      expect(COMMANDS, `${c.name}: args[0]`).toContain(subcommand);
      for (const option of rest.filter((a) => a.startsWith('--'))) expect(OPTIONS, c.name).toContain(option.slice(2).split('=')[0]);
    }
    expect(deployments(objects).map((d) => mainContainer(d).args?.[0]).sort()).toEqual(['board', 'scheduler', 'worker']);
  });

  it('the scheduler migrates first (init container `syncframe migrate`) and runs alone', () => {
    const scheduler = deployment(objects, 'scheduler');
    expect(podSpec(scheduler).initContainers?.map((c) => c.args)).toEqual([['migrate']]);
    expect(scheduler.spec?.replicas).toBe(1);
    expect(scheduler.spec?.strategy?.type).toBe('Recreate');
  });

  it('containers set only environment variables that the code, Node or the jobs file read; secrets come from the Secret', () => {
    for (const d of deployments(objects)) {
      for (const c of allContainers(d)) {
        for (const e of c.env ?? []) {
          expect(ALLOWED_ENV, `${d.metadata!.name}/${c.name}: ${e.name}`).toContain(e.name);
          if (e.value !== undefined) expect(e.name, `${c.name}: a literal value for a secret`).not.toMatch(/TOKEN|PASSWORD|SECRET|^DATABASE_URL$|^REDIS_URL$/);
        }
        expect(c.envFrom, `${c.name}: envFrom`).toEqual([{ secretRef: { name: SECRET.metadata.name } }]);
        // The code's own reading of them must accept them.
        expect(() => fleetSettingsFromEnv(envOf(c)), c.name).not.toThrow();
      }
    }
  });

  it('the config volume, as mounted, is a config the code loads: the jobs file and every mapper it names, credentials from the Secret', async () => {
    for (const d of deployments(objects)) {
      const files = mountedConfigFiles(objects, d);
      for (const c of allContainers(d)) {
        const mount = c.volumeMounts?.find((m) => m.name === 'config');
        expect(mount?.readOnly, `${c.name}: config mounted read-only`).toBe(true);
        expect(envOf(c)['SYNCFRAME_CONFIG'], c.name).toBe(`${mount?.mountPath}/${JOBS_FILE}`);
      }
      const dir = mkdtempSync(path.join(tmpdir(), 'syncframe-configmap-'));
      try {
        for (const [file, content] of files) {
          mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
          writeFileSync(path.join(dir, file), content);
        }
        const config = await loadConfig(path.join(dir, JOBS_FILE), { env: { ...SECRET_VALUES, ...envOf(mainContainer(d)) }, adapters: BUILTIN_ADAPTER_PLUGINS });
        expect(config.jobs.length).toBeGreaterThan(0);
        // The fleet refuses pglite and memory; credentials and the DSN come from the Secret, never from the ConfigMap.
        expect(config.linkindex.driver).toBe('postgres');
        const secretValues = new Set(Object.values(SECRET_VALUES));
        const credentials = [config.linkindex.conn, ...config.jobs.flatMap((job) => [job.source, job.dest]).flatMap(secretValuesOfSide)];
        expect(credentials.length, 'the sides\' credentials').toBeGreaterThan(1);
        for (const value of credentials) expect(secretValues, 'a credential that did not come from the Secret').toContain(value);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('no ConfigMap holds a secret', () => {
    for (const cm of ofKind<IConfigMap>(objects, 'ConfigMap')) {
      for (const [key, value] of Object.entries(cm.data ?? {})) {
        for (const secret of Object.values(SECRET_VALUES)) expect(value, `${cm.metadata.name}/${key}`).not.toContain(secret);
        expect(value, `${cm.metadata.name}/${key}: a URL with a password`).not.toMatch(/\/\/[^/\s"'@:]+:[^/\s"'@]+@/);
      }
    }
  });

  describe('probes', () => {
    let health: { port: number; close(): Promise<void> };
    beforeAll(async () => {
      health = await startHealthServer(0, { ready: () => true });
    });
    afterAll(() => health.close());

    it('the worker\'s probes are answered by its health server (apps/worker/src/health-server.ts) on SYNCFRAME_HEALTH_PORT', async () => {
      const worker = mainContainer(deployment(objects, 'worker'));
      const port = fleetSettingsFromEnv(envOf(worker)).healthPort;
      expect(port).toBeGreaterThan(0);
      for (const [kind, probe] of [['liveness', worker.livenessProbe], ['readiness', worker.readinessProbe], ['startup', worker.startupProbe]] as const) {
        const get = httpProbe(probe, `worker ${kind}`);
        expect(portNumber(worker, get.port), `worker ${kind} port`).toBe(port);
        expect(workerProbePaths(), `worker ${kind} path`).toContain(get.path);
        const res = await fetch(`http://127.0.0.1:${health.port}${get.path}`);
        expect(res.status, `${get.path} on the real health server`).toBe(200);
      }
      expect(httpProbe(worker.livenessProbe, 'liveness').path, 'liveness checks nothing but the process').toBe('/livez');
    });

    it('the board\'s readiness probe is its public /healthz on PORT; its liveness asks only for the port', () => {
      const board = mainContainer(deployment(objects, 'board'));
      const port = Number(envOf(board)['PORT'] ?? boardDefaultPort());
      const ready = httpProbe(board.readinessProbe, 'board readiness');
      expect(boardPublicRoutes()).toContain(ready.path);
      expect(ready.path).toBe('/healthz');
      expect(portNumber(board, ready.port)).toBe(port);
      expect(portNumber(board, board.livenessProbe?.tcpSocket?.port)).toBe(port);
      const service = ofKind<IService>(objects, 'Service').find((s) => s.metadata.name === 'syncframe-board');
      const labels = deployment(objects, 'board').spec!.template.metadata!.labels!;
      expect(Object.entries(service?.spec?.selector ?? {}).every(([k, v]) => labels[k] === v), 'Service selects the board').toBe(true);
      for (const p of service?.spec?.ports ?? []) expect(portNumber(board, p.targetPort)).toBe(port);
    });
  });

  it('the worker\'s terminationGracePeriodSeconds exceeds its drain grace (SYNCFRAME_SHUTDOWN_GRACE_MS) with room to exit', () => {
    const worker = deployment(objects, 'worker');
    const grace = fleetSettingsFromEnv(envOf(mainContainer(worker))).shutdownGraceMs;
    expect((podSpec(worker).terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThanOrEqual(grace + EXIT_MARGIN_MS);
  });

  it('pods run restricted: non-root numeric user, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root, no API token', () => {
    for (const d of deployments(objects)) {
      const pod = podSpec(d);
      expect(pod.automountServiceAccountToken, d.metadata!.name).toBe(false);
      for (const c of allContainers(d)) {
        const where = `${d.metadata!.name}/${c.name}`;
        const sc = c.securityContext ?? {};
        expect(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, where).toBe(true);
        const uid = sc.runAsUser ?? pod.securityContext?.runAsUser;
        expect(Number.isInteger(uid) && uid! > 0, `${where}: numeric non-root runAsUser`).toBe(true);
        expect(uid, where).toBe(1000);
        expect(sc.allowPrivilegeEscalation, where).toBe(false);
        expect(sc.capabilities?.drop, where).toEqual(['ALL']);
        expect(sc.capabilities?.add, where).toBeUndefined();
        expect((sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type, where).toBe('RuntimeDefault');
        expect(sc.readOnlyRootFilesystem, where).toBe(true);
        expect(c.volumeMounts?.some((m) => m.mountPath === '/tmp'), `${where}: a writable /tmp`).toBe(true);
      }
    }
  });

  it('every container requests CPU and memory and has a memory limit', () => {
    for (const c of containersOf(objects) as unknown as IContainer[]) {
      expect(c.resources?.requests?.['cpu'], c.name).toBeDefined();
      expect(c.resources?.requests?.['memory'], c.name).toBeDefined();
      expect(c.resources?.limits?.['memory'], c.name).toBeDefined();
    }
  });

  if (r.keda) {
    it('KEDA scales the worker on <SYNCFRAME_QUEUE_PREFIX>:<QUEUES.runs>:wait|prioritized|active, and the worker has no replica count', () => {
      const worker = deployment(objects, 'worker');
      expect(worker.spec && 'replicas' in worker.spec, 'replicas on the worker would fight KEDA').toBe(false);
      const settings = fleetSettingsFromEnv(envOf(mainContainer(worker)));
      const [scaled, ...more] = ofKind<IScaledObject>(objects, 'ScaledObject');
      expect(more).toEqual([]);
      expect(scaled!.spec.scaleTargetRef.name).toBe(worker.metadata!.name);
      const states = ['wait', 'prioritized', 'active'];
      expect(scaled!.spec.triggers.map((t) => t.name)).toEqual(states);
      const redisUrl = new URL(SECRET_VALUES['REDIS_URL']!);
      const auths = ofKind<ITriggerAuthentication>(objects, 'TriggerAuthentication');
      for (const trigger of scaled!.spec.triggers) {
        expect(trigger.type).toBe('redis');
        expect(trigger.metadata['listName'], 'a key BullMQ writes (a wrong one reads as 0)').toBe(`${settings.queuePrefix}:${QUEUES.runs}:${trigger.name}`);
        expect(trigger.metadata['listLength']).toBe(String(settings.concurrency));
        expect(trigger.metadata['address'], 'the Redis of REDIS_URL').toBe(`${redisUrl.hostname}:${redisUrl.port || 6379}`);
        const auth = auths.find((a) => a.metadata.name === trigger.authenticationRef?.name);
        expect(auth, `TriggerAuthentication ${trigger.authenticationRef?.name}`).toBeDefined();
        for (const ref of auth!.spec.secretTargetRef ?? []) {
          expect(ref.name).toBe(SECRET.metadata.name);
          expect(Object.keys(SECRET_VALUES)).toContain(ref.key);
        }
      }
      const modifiers = (scaled!.spec.advanced as { scalingModifiers?: { formula?: string; target?: string } } | undefined)?.scalingModifiers;
      expect(modifiers?.formula?.split('+').map((s) => s.trim()).sort()).toEqual([...states].sort());
      expect(modifiers?.target, 'target = runs per worker (SYNCFRAME_WORKER_CONCURRENCY)').toBe(String(settings.concurrency));
    });
  } else {
    it('without KEDA the worker has a replica count and nothing scales it', () => {
      expect(deployment(objects, 'worker').spec?.replicas).toBeGreaterThan(0);
      expect(objects.filter((o) => o.apiVersion.startsWith('keda.sh/'))).toEqual([]);
    });
  }

  if (r.overlay) {
    it('the overlay sets a namespace (Pod Security "restricted") and an image pinned by tag', () => {
      const [namespace] = objects.filter((o) => o.kind === 'Namespace');
      expect((namespace?.metadata['labels'] as Record<string, string> | undefined)?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata['namespace'], `${o.kind} ${o.metadata.name}`).toBe(namespace?.metadata.name);
      for (const c of containersOf(objects)) expect(c['image'], String(c['name'])).toMatch(/^[^:@]+(:[\w.-]+)$/);
      for (const c of containersOf(objects)) expect(c['image'], String(c['name'])).not.toMatch(/:latest$/);
    });
  }
});
