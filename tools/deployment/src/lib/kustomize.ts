import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { loadAll } from 'js-yaml';
import { isObject, type JsonObject, type JsonValue } from './repo';

/**
 * A small, strict stand-in for `kubectl kustomize`, for tests that have no
 * kustomize binary. It implements exactly what k8s/ uses and throws on
 * anything else, so an overlay that starts using another feature fails here
 * instead of rendering something kustomize would not:
 *
 * - `resources`: YAML files inside the kustomization's folder, and folders
 *   holding a kustomization (rendered recursively, e.g. `../../base`);
 * - `patches` with `path` or inline `patch`, no `target`: one strategic-merge
 *   patch per entry, matched by apiVersion, kind and name. Maps merge key by key,
 *   `null` removes a key, lists Kubernetes merges by key (containers and env by
 *   name, volumeMounts by mountPath, ...) merge element by element, every other
 *   list is replaced, and `$patch: delete` at the top removes the resource;
 * - `images`: `name` with `newName`, `newTag` and/or `digest`, applied to every
 *   container and init container, after the patches (kustomize's order).
 */

export interface Manifest extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string; namespace?: string };
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml'];
const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'patches', 'images']);

export function renderKustomization(dir: string): Manifest[] {
  const root = resolve(dir);
  const file = KUSTOMIZATION_FILES.map((name) => join(root, name)).find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`${root}: no kustomization.yaml`);
  const kustomization = singleDocument(file);
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field)) throw new Error(`${file}: "${field}" is not supported by this renderer`);
  }
  if (kustomization['kind'] !== undefined && kustomization['kind'] !== 'Kustomization') {
    throw new Error(`${file}: kind must be Kustomization`);
  }

  let manifests: Manifest[] = [];
  for (const entry of stringList(kustomization['resources'], `${file}: resources`)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.includes('?ref=')) throw new Error(`${file}: remote resource ${entry} is not supported`);
    const target = resolve(root, entry);
    if (!existsSync(target)) throw new Error(`${file}: resource ${entry} does not exist`);
    if (statSync(target).isDirectory()) {
      manifests.push(...renderKustomization(target));
    } else {
      assertInside(root, target, file);
      manifests.push(...loadManifests(target));
    }
  }
  assertUnique(manifests, file);

  for (const [index, entry] of objectList(kustomization['patches'], `${file}: patches`).entries()) {
    manifests = applyPatch(manifests, loadPatch(entry, root, `${file}: patches[${index}]`), `${file}: patches[${index}]`);
  }
  for (const [index, entry] of objectList(kustomization['images'], `${file}: images`).entries()) {
    applyImage(manifests, entry, `${file}: images[${index}]`);
  }
  return manifests;
}

/** The Kubernetes objects of a multi-document YAML file (empty documents skipped). */
export function loadManifests(file: string): Manifest[] {
  return loadAll(readFileSync(file, 'utf8'))
    .filter((document) => document !== null && document !== undefined)
    .map((document, index) => asManifest(document, `${file} (document ${index + 1})`));
}

export function manifestId(manifest: Manifest): string {
  const namespace = manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : '';
  return `${manifest.apiVersion} ${manifest.kind} ${namespace}${manifest.metadata.name}`;
}

function asManifest(document: unknown, where: string): Manifest {
  if (!isObject(document)) throw new Error(`${where}: not a mapping`);
  const { apiVersion, kind, metadata } = document;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !isObject(metadata) || typeof metadata['name'] !== 'string') {
    throw new Error(`${where}: needs apiVersion, kind and metadata.name`);
  }
  return document as Manifest;
}

function singleDocument(file: string): JsonObject {
  const documents = loadAll(readFileSync(file, 'utf8')).filter((document) => document !== null && document !== undefined);
  if (documents.length !== 1 || !isObject(documents[0])) throw new Error(`${file}: expected exactly one YAML mapping`);
  return documents[0];
}

function stringList(value: JsonValue | undefined, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new Error(`${where}: expected a list of strings`);
  return value as string[];
}

function objectList(value: JsonValue | undefined, where: string): JsonObject[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isObject)) throw new Error(`${where}: expected a list of mappings`);
  return value as JsonObject[];
}

/** Like kustomize's default load restrictor: files must be inside the kustomization's folder. */
function assertInside(root: string, target: string, where: string): void {
  const path = relative(root, target);
  if (path.startsWith('..') || path.startsWith(sep)) throw new Error(`${where}: ${target} is outside ${root}`);
}

function assertUnique(manifests: Manifest[], where: string): void {
  const seen = new Set<string>();
  for (const manifest of manifests) {
    const id = manifestId(manifest);
    if (seen.has(id)) throw new Error(`${where}: ${id} is defined twice`);
    seen.add(id);
  }
}

// ---------------------------------------------------------------- patches

function loadPatch(entry: JsonObject, root: string, where: string): JsonObject {
  for (const field of Object.keys(entry)) {
    if (field !== 'path' && field !== 'patch') throw new Error(`${where}: "${field}" is not supported by this renderer`);
  }
  const { path, patch } = entry;
  let text: string;
  if (typeof path === 'string' && patch === undefined) {
    const file = resolve(root, path);
    assertInside(root, file, where);
    text = readFileSync(file, 'utf8');
  } else if (typeof patch === 'string' && path === undefined) {
    text = patch;
  } else {
    throw new Error(`${where}: needs exactly one of path and patch`);
  }
  const documents = loadAll(text).filter((document) => document !== null && document !== undefined);
  if (documents.length !== 1 || !isObject(documents[0])) {
    throw new Error(`${where}: expected one strategic-merge patch (a YAML mapping); JSON 6902 and multi-document patches are not supported`);
  }
  return documents[0];
}

function applyPatch(manifests: Manifest[], patch: JsonObject, where: string): Manifest[] {
  const { $patch: directive, ...body } = patch;
  const target = asManifest(body, where);
  const matches = manifests.filter(
    (manifest) =>
      manifest.apiVersion === target.apiVersion &&
      manifest.kind === target.kind &&
      manifest.metadata.name === target.metadata.name &&
      (target.metadata.namespace === undefined || manifest.metadata.namespace === target.metadata.namespace),
  );
  if (matches.length !== 1) throw new Error(`${where}: ${manifestId(target)} matches ${matches.length} resources, expected one`);
  const [match] = matches;
  if (directive === 'delete') return manifests.filter((manifest) => manifest !== match);
  if (directive !== undefined) throw new Error(`${where}: $patch: ${String(directive)} is not supported`);
  return manifests.map((manifest) => (manifest === match ? (strategicMerge(manifest, body) as Manifest) : manifest));
}

/**
 * Strategic merge of `patch` into `base` (neither is modified). See the module
 * comment for what is supported; any other `$` directive throws.
 */
export function strategicMerge(base: JsonValue | undefined, patch: JsonValue, path: string[] = []): JsonValue {
  if (!isObject(patch)) return structuredClone(patch);
  const merged: JsonObject = isObject(base) ? structuredClone(base) : {};
  for (const [key, value] of Object.entries(patch)) {
    const here = [...path, key];
    if (key.startsWith('$')) throw new Error(`${here.join('.')}: strategic-merge directive ${key} is not supported`);
    if (value === null) {
      delete merged[key];
    } else if (Array.isArray(value)) {
      const mergeKey = listMergeKey(key, path);
      const current = merged[key];
      merged[key] = mergeKey && Array.isArray(current) ? mergeList(current, value, mergeKey, here) : structuredClone(value);
    } else {
      merged[key] = strategicMerge(merged[key], value, here);
    }
  }
  return merged;
}

/**
 * The `patchMergeKey` of the Kubernetes lists that merge rather than being
 * replaced (from the API's Go types), for the kinds k8s/ uses.
 */
function listMergeKey(field: string, parentPath: string[]): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'hostAliases':
      return 'ip';
    case 'ports': // a container's ports merge by containerPort, a Service's by port
      return parentPath.some((segment) => segment === 'containers' || segment === 'initContainers') ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

function mergeList(base: JsonValue[], patch: JsonValue[], mergeKey: string, path: string[]): JsonValue[] {
  const merged = structuredClone(base);
  for (const item of patch) {
    if (!isObject(item) || item[mergeKey] === undefined) throw new Error(`${path.join('.')}: each element needs ${mergeKey}`);
    const index = merged.findIndex((existing) => isObject(existing) && existing[mergeKey] === item[mergeKey]);
    if (index === -1) merged.push(strategicMerge(undefined, item, path));
    else merged[index] = strategicMerge(merged[index], item, path);
  }
  return merged;
}

// ---------------------------------------------------------------- images

export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

/** `registry:5000/team/app:1.2@sha256:...` → name, tag, digest (a registry port is not a tag). */
export function parseImage(reference: string): ImageReference {
  const at = reference.indexOf('@');
  const digest = at === -1 ? undefined : reference.slice(at + 1);
  let name = at === -1 ? reference : reference.slice(0, at);
  const colon = name.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  return { name, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

function applyImage(manifests: Manifest[], entry: JsonObject, where: string): void {
  for (const field of Object.keys(entry)) {
    if (!['name', 'newName', 'newTag', 'digest'].includes(field)) throw new Error(`${where}: "${field}" is not supported by this renderer`);
  }
  const { name, newName, newTag, digest } = entry;
  if (typeof name !== 'string') throw new Error(`${where}: needs a name`);
  for (const value of [newName, newTag, digest]) {
    if (value !== undefined && typeof value !== 'string') throw new Error(`${where}: newName, newTag and digest must be strings (quote a numeric tag)`);
  }
  for (const container of containersIn(manifests)) {
    if (typeof container['image'] !== 'string') continue;
    const current = parseImage(container['image']);
    if (current.name !== name) continue;
    const image = typeof newName === 'string' ? newName : current.name;
    if (typeof digest === 'string') container['image'] = `${image}@${digest}`;
    else if (typeof newTag === 'string') container['image'] = `${image}:${newTag}`;
    else container['image'] = `${image}${current.tag ? `:${current.tag}` : ''}${current.digest ? `@${current.digest}` : ''}`;
  }
}

/** Every element of a `containers` or `initContainers` list, at any depth. */
function containersIn(value: JsonValue): JsonObject[] {
  if (Array.isArray(value)) return value.flatMap(containersIn);
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    (key === 'containers' || key === 'initContainers') && Array.isArray(child) ? child.filter(isObject) : containersIn(child),
  );
}
