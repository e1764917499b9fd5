import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseImage, renderKustomization, strategicMerge } from './lib/kustomize';

/** The test-side kustomize renderer must be faithful, or the k8s tests prove nothing about overlays. */

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kustomize-spec-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const BASE = {
  'base/kustomization.yaml': 'resources: [app.yaml]\n',
  'base/app.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: app }
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          image: example/app
          env: [{ name: A, value: "1" }, { name: B, value: "2" }]
          ports: [{ containerPort: 80 }]
          resources: { requests: { cpu: 100m, memory: 64Mi } }
        - name: sidecar
          image: example/sidecar:1.0
          args: [--one, --two]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: config }
data: { LEVEL: info, KEEP: "yes" }
`,
};

describe('renderKustomization', () => {
  it('renders resources, then patches (containers and env merged by name), then images', () => {
    write({
      ...BASE,
      'overlay/kustomization.yaml': `resources: [../base]
images:
  - { name: example/app, newTag: "2.0" }
  - { name: example/sidecar, newName: registry.local:5000/sidecar, newTag: "1.1" }
patches:
  - path: deployment.yaml
  - patch: |-
      apiVersion: v1
      kind: ConfigMap
      metadata: { name: config }
      data: { LEVEL: debug, KEEP: null }
`,
      'overlay/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: app }
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: app
          env: [{ name: B, value: "two" }, { name: C, value: "3" }]
          resources: { limits: { memory: 128Mi } }
        - name: sidecar
          args: [--three]
`,
    });
    const [deployment, config] = renderKustomization(join(root, 'overlay'));
    expect(deployment['spec']).toEqual({
      replicas: 3,
      template: {
        spec: {
          containers: [
            {
              name: 'app',
              image: 'example/app:2.0',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: 'two' },
                { name: 'C', value: '3' },
              ],
              ports: [{ containerPort: 80 }],
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
            },
            // Lists without a merge key (args) are replaced, as Kubernetes does.
            { name: 'sidecar', image: 'registry.local:5000/sidecar:1.1', args: ['--three'] },
          ],
        },
      },
    });
    expect(config['data']).toEqual({ LEVEL: 'debug' });
  });

  it('removes a resource with $patch: delete', () => {
    write({ ...BASE, 'overlay/kustomization.yaml': 'resources: [../base]\npatches:\n  - path: delete.yaml\n', 'overlay/delete.yaml': '$patch: delete\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: config }\n' });
    expect(renderKustomization(join(root, 'overlay')).map((manifest) => manifest.kind)).toEqual(['Deployment']);
  });

  it('leaves the base untouched when rendering an overlay', () => {
    write({ ...BASE, 'overlay/kustomization.yaml': 'resources: [../base]\nimages: [{ name: example/app, newTag: x }]\n' });
    renderKustomization(join(root, 'overlay'));
    expect(JSON.stringify(renderKustomization(join(root, 'base')))).toContain('"image":"example/app"');
  });

  it.each([
    ['a field it does not implement', 'resources: [../base]\nnamePrefix: x-\n', /"namePrefix" is not supported/],
    ['a patch with a target', 'resources: [../base]\npatches: [{ path: p.yaml, target: { kind: Deployment } }]\n', /"target" is not supported/],
    ['a patch that matches nothing', 'resources: [../base]\npatches: [{ patch: "apiVersion: v1\\nkind: ConfigMap\\nmetadata: { name: nope }" }]\n', /matches 0 resources/],
    ['a multi-document patch', 'resources: [../base]\npatches: [{ patch: "apiVersion: v1\\nkind: ConfigMap\\nmetadata: { name: config }\\n---\\na: 1" }]\n', /one strategic-merge patch/],
    ['a JSON 6902 patch', 'resources: [../base]\npatches: [{ patch: "- op: add\\n  path: /x\\n  value: 1" }]\n', /one strategic-merge patch/],
    ['a duplicate resource', 'resources: [../base, ../base/app.yaml]\n', /outside|defined twice/],
    ['a missing resource', 'resources: [../base, missing.yaml]\n', /does not exist/],
    ['a remote resource', 'resources: [https://example.com/app.yaml]\n', /remote resource/],
    ['a numeric image tag', 'resources: [../base]\nimages: [{ name: example/app, newTag: 2 }]\n', /must be strings/],
  ])('refuses %s', (_what, kustomization, error) => {
    write({ ...BASE, 'overlay/kustomization.yaml': kustomization });
    expect(() => renderKustomization(join(root, 'overlay'))).toThrow(error);
  });

  it('refuses a resource defined twice within one kustomization', () => {
    write({ ...BASE, 'twice/kustomization.yaml': 'resources: [a.yaml, b.yaml]\n', 'twice/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n', 'twice/b.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n' });
    expect(() => renderKustomization(join(root, 'twice'))).toThrow(/defined twice/);
  });
});

describe('strategicMerge', () => {
  it('merges Service ports by port and container ports by containerPort', () => {
    expect(strategicMerge({ spec: { ports: [{ port: 80, targetPort: 8080 }] } }, { spec: { ports: [{ port: 80, name: 'http' }] } })).toEqual({
      spec: { ports: [{ port: 80, targetPort: 8080, name: 'http' }] },
    });
    expect(
      strategicMerge({ containers: [{ name: 'a', ports: [{ containerPort: 80 }] }] }, { containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }] }] }),
    ).toEqual({ containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }] }] });
  });

  it('refuses directives it does not implement', () => {
    expect(() => strategicMerge({ containers: [] }, { containers: [{ name: 'a', $patch: 'delete' }] })).toThrow(/\$patch is not supported/);
    expect(() => strategicMerge({}, { $setElementOrder: {} })).toThrow(/not supported/);
  });
});

describe('parseImage', () => {
  it.each([
    ['sluice/gateway', { name: 'sluice/gateway' }],
    ['sluice/gateway:0.1.0', { name: 'sluice/gateway', tag: '0.1.0' }],
    ['registry.local:5000/sluice/gateway', { name: 'registry.local:5000/sluice/gateway' }],
    ['registry.local:5000/sluice/gateway:dev@sha256:abc', { name: 'registry.local:5000/sluice/gateway', tag: 'dev', digest: 'sha256:abc' }],
  ])('%s', (reference, parsed) => {
    expect(parseImage(reference)).toEqual(parsed);
  });
});
