import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import ts from 'typescript';
import type { Manifest } from './kustomize';
import { REPO_ROOT } from './repo';

/**
 * Schema checks for the kinds k8s/ uses. kubernetes-models validates types,
 * required fields and enums against the Kubernetes OpenAPI schema, but its
 * schemas allow unknown properties, so a misspelt `readinesProbe` would pass;
 * `unknownFields` closes that gap with the TypeScript interfaces generated
 * from the same schema (the API server's strict field validation does the same).
 */
interface KindModel {
  validate(data: Manifest): void;
  /** The package module and interface that describe the kind. */
  module: string;
  type: string;
}

// The constructors are typed per kind; the data is checked at run time by validate().
const KINDS: Record<string, KindModel> = {
  'v1 ConfigMap': { validate: (data) => new ConfigMap(data as never).validate(), module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1 Secret': { validate: (data) => new Secret(data as never).validate(), module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1 Service': { validate: (data) => new Service(data as never).validate(), module: 'kubernetes-models/v1/Service', type: 'IService' },
  'apps/v1 Deployment': {
    validate: (data) => new Deployment(data as never).validate(),
    module: 'kubernetes-models/apps/v1/Deployment',
    type: 'IDeployment',
  },
  'batch/v1 Job': { validate: (data) => new Job(data as never).validate(), module: 'kubernetes-models/batch/v1/Job', type: 'IJob' },
  'autoscaling/v2 HorizontalPodAutoscaler': {
    validate: (data) => new HorizontalPodAutoscaler(data as never).validate(),
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    type: 'IHorizontalPodAutoscaler',
  },
  'policy/v1 PodDisruptionBudget': {
    validate: (data) => new PodDisruptionBudget(data as never).validate(),
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    type: 'IPodDisruptionBudget',
  },
  'networking.k8s.io/v1 NetworkPolicy': {
    validate: (data) => new NetworkPolicy(data as never).validate(),
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    type: 'INetworkPolicy',
  },
};

/** Problems with one manifest: schema errors and unknown fields; empty when valid. */
export function validateManifest(manifest: Manifest): string[] {
  const kind = KINDS[`${manifest.apiVersion} ${manifest.kind}`];
  if (!kind) return [`no schema for ${manifest.apiVersion} ${manifest.kind} (add it to KINDS)`];
  const problems: string[] = [];
  try {
    kind.validate(manifest);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  const { checker, types } = kindTypes();
  const type = types.get(`${manifest.apiVersion} ${manifest.kind}`);
  if (!type) throw new Error(`no TypeScript type for ${manifest.apiVersion} ${manifest.kind}`);
  collectUnknownFields(checker, manifest, type, '', problems);
  return problems;
}

function collectUnknownFields(checker: ts.TypeChecker, value: unknown, declared: ts.Type, path: string, problems: string[]): void {
  if (value === null || typeof value !== 'object') return; // scalars: the schema validation checks them
  const type = checker.getNonNullableType(declared);
  if (Array.isArray(value)) {
    const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
    if (element) value.forEach((item, index) => collectUnknownFields(checker, item, element, `${path}[${index}]`, problems));
    return;
  }
  const anyKey = checker.getIndexTypeOfType(type, ts.IndexKind.String);
  for (const [key, child] of Object.entries(value)) {
    const property = checker.getPropertyOfType(type, key);
    const childPath = path ? `${path}.${key}` : key;
    if (property) collectUnknownFields(checker, child, checker.getTypeOfSymbol(property), childPath, problems);
    else if (anyKey) collectUnknownFields(checker, child, anyKey, childPath, problems);
    else problems.push(`${childPath}: unknown field`);
  }
}

let cachedTypes: { checker: ts.TypeChecker; types: Map<string, ts.Type> } | undefined;

/** Type-checks a tiny virtual module importing each kind's interface, once per process. */
function kindTypes(): { checker: ts.TypeChecker; types: Map<string, ts.Type> } {
  if (cachedTypes) return cachedTypes;
  const ids = Object.keys(KINDS);
  const fileName = join(REPO_ROOT, 'tools/deployment/src/__kubernetes_kinds__.ts');
  const source = [
    ...ids.map((id, index) => `import type { ${KINDS[id].type} as Kind${index} } from '${KINDS[id].module}';`),
    'export interface Kinds {',
    ...ids.map((id, index) => `  ${JSON.stringify(id)}: Kind${index};`),
    '}',
  ].join('\n');
  const options: ts.CompilerOptions = {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, languageVersion) : getSourceFile.call(host, name, languageVersion, ...rest);
  host.fileExists = (name) => name === fileName || fileExists.call(host, name);
  host.readFile = (name) => (name === fileName ? source : readFile.call(host, name));
  const program = ts.createProgram([fileName], options, host);
  const errors = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  if (errors.length) throw new Error(`cannot load the kubernetes-models types:\n${errors.join('\n')}`);

  const checker = program.getTypeChecker();
  const sourceFile = program.getSourceFile(fileName);
  const declaration = sourceFile?.statements.find(ts.isInterfaceDeclaration);
  const symbol = declaration && checker.getSymbolAtLocation(declaration.name);
  if (!symbol) throw new Error('cannot find the Kinds interface');
  const kinds = checker.getDeclaredTypeOfSymbol(symbol);
  const types = new Map<string, ts.Type>();
  for (const id of ids) {
    const property = checker.getPropertyOfType(kinds, id);
    if (property) types.set(id, checker.getTypeOfSymbol(property));
  }
  cachedTypes = { checker, types };
  return cachedTypes;
}

// ---------------------------------------------------------------- helpers for the tests

/** Kubernetes quantities in base units: "250m" → 0.25, "1" → 1, "192Mi" → 201326592. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) throw new Error(`unsupported quantity ${quantity}`);
  const factors: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(match[1]) * (match[2] ? factors[match[2]] : 1);
}

/** Whether a label selector's matchLabels (no expressions here) select pods with these labels. */
export function selects(matchLabels: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!matchLabels || Object.keys(matchLabels).length === 0) return false; // an empty selector is never what we mean
  return Object.entries(matchLabels).every(([key, value]) => labels?.[key] === value);
}
