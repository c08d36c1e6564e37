/**
 * Schema validation of Kubernetes and KEDA objects, offline: kubernetes-models (the API's OpenAPI
 * schemas, Kubernetes 1.27) and @kubernetes-models/keda (KEDA's CRDs). They catch wrong types and
 * missing required fields (a `listLength: 5` that must be a string), not unknown fields.
 */
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import type { K8sObject } from './kustomize.js';

type Model = new (data: never) => { validate(): void };

const MODELS: Record<string, Model> = {
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

/** Validates `object` against its kind's schema; throws naming the object and the failing paths. */
export function validateAgainstSchema(object: K8sObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = MODELS[key];
  if (!Model) throw new Error(`no schema for ${key} (${object.metadata.name}): add its model to deploy/test/k8s-schemas.ts`);
  try {
    new Model(structuredClone(object) as never).validate();
  } catch (err) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
