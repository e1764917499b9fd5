import { posix } from 'node:path';
import { load } from 'js-yaml';
import { commonEnvNumberDefault, documentedVariables, knownVariables, mockProviderRoutes, nestGetRoutes, schemaDefault, TARGETS, type Target } from './lib/apps';
import { builtFiles, effective, envVariables, execForm, loadDockerfile, stageChain, stageEnv, stageNamed, workdir, type Stage } from './lib/dockerfile';
import { isObject, readRepoFile, type JsonObject, type JsonValue } from './lib/repo';

/** The entry point each Dockerfile target must run (what `npm run build` produces). */
const ENTRY_POINTS: Record<Target, string> = {
  'control-plane': 'dist/apps/control-plane/main.js',
  migrate: 'dist/apps/control-plane/migrate.js',
  gateway: 'dist/apps/gateway/main.js',
  'mock-provider': 'dist/tools/mock-provider/main.js',
};

/** Where each long-running target listens, and what serves its health check. */
const LISTENERS: Partial<Record<Target, { port: string; metricsPort?: string; host: string; defaultHost: () => string; routes: () => Set<string> }>> = {
  'control-plane': {
    port: 'CONTROL_PLANE_PORT',
    metricsPort: 'CONTROL_PLANE_METRICS_PORT',
    host: 'CONTROL_PLANE_HOST',
    defaultHost: () => schemaStringDefault('apps/control-plane/src/config/control-plane.config.ts', 'CONTROL_PLANE_HOST'),
    routes: () => nestGetRoutes('control-plane'),
  },
  gateway: {
    port: 'GATEWAY_PORT',
    metricsPort: 'GATEWAY_METRICS_PORT',
    host: 'GATEWAY_HOST',
    defaultHost: () => schemaStringDefault('apps/gateway/src/config/gateway.config.ts', 'GATEWAY_HOST'),
    routes: () => nestGetRoutes('gateway'),
  },
  'mock-provider': {
    port: 'MOCK_PROVIDER_PORT',
    host: 'MOCK_PROVIDER_HOST',
    defaultHost: () => /DEFAULT_HOST\s*=\s*'([^']*)'/.exec(readRepoFile('tools/mock-provider/src/config.ts'))?.[1] ?? '',
    routes: mockProviderRoutes,
  },
};


function schemaStringDefault(file: string, variable: string): string {
  const match = /^'([^']*)'$/.exec(schemaDefault(readRepoFile(file), variable) ?? '');
  if (!match) throw new Error(`${file}: no default for ${variable}`);
  return match[1];
}

// ---------------------------------------------------------------- docker-compose.yml

type Service = JsonObject;

function compose(): JsonObject {
  const parsed: unknown = load(readRepoFile('docker-compose.yml'));
  if (!isObject(parsed) || !isObject(parsed['services'])) throw new Error('docker-compose.yml has no services');
  return parsed;
}

function services(): [string, Service][] {
  return Object.entries(compose()['services'] as JsonObject).map(([name, service]) => {
    if (!isObject(service)) throw new Error(`service ${name} is not a mapping`);
    return [name, service];
  });
}

function dependsOn(service: Service): [string, string][] {
  const value = service['depends_on'];
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map((name) => [String(name), 'service_started']);
  if (!isObject(value)) throw new Error('depends_on must be a list or a mapping');
  return Object.entries(value).map(([name, options]) => [name, isObject(options) && typeof options['condition'] === 'string' ? options['condition'] : 'service_started']);
}

function buildTarget(service: Service): string | undefined {
  const build = service['build'];
  return isObject(build) && typeof build['target'] === 'string' ? build['target'] : undefined;
}

function targetOfService(name: string, service: Service): Target | undefined {
  const target = buildTarget(service);
  if (target === undefined) return undefined;
  if (!(TARGETS as readonly string[]).includes(target)) throw new Error(`service ${name}: unknown target ${target}`);
  return target as Target;
}

function environment(service: Service): Record<string, string> {
  if (service['env_file'] !== undefined) throw new Error('env_file is not checked by these tests: list the variables in environment');
  const value: JsonValue | undefined = service['environment'];
  if (value === undefined) return {};
  if (Array.isArray(value)) {
    return Object.fromEntries(value.map((item) => String(item)).map((item) => [item.split('=')[0], item.slice(item.indexOf('=') + 1)]));
  }
  if (!isObject(value)) throw new Error('environment must be a list or a mapping');
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, item === null ? '' : String(item)]));
}

/** Compose durations: `30s`, `1m30s`, `1500ms`. */
function composeDurationMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) throw new Error(`${text} is not a compose duration`);
  return parts.reduce((total, [, value, unit]) => total + Number(value) * units[unit], 0);
}

describe('docker-compose.yml', () => {
  it('parses, with the databases and every Dockerfile target as services', () => {
    const names = services().map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(['postgres', 'redis', ...TARGETS]));
  });

  it('depends only on services it defines, with conditions compose knows', () => {
    const names = new Set(services().map(([name]) => name));
    for (const [name, service] of services()) {
      for (const [dependency, condition] of dependsOn(service)) {
        expect({ service: name, dependency, exists: names.has(dependency) }).toEqual({ service: name, dependency, exists: true });
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
      }
    }
  });

  it('waits for service_healthy only on services with a healthcheck (their own, or their image stage HEALTHCHECK)', () => {
    const stages = loadDockerfile();
    const byName = new Map(services());
    for (const [name, service] of services()) {
      for (const [dependency, condition] of dependsOn(service)) {
        if (condition !== 'service_healthy') continue;
        const target = byName.get(dependency) ?? {};
        const own = target['healthcheck'];
        const disabled = isObject(own) && own['disable'] === true;
        const stage = buildTarget(target);
        const fromImage = stage !== undefined && effective(stages, stageNamed(stages, stage), 'HEALTHCHECK') !== undefined;
        expect({ service: name, dependency, healthcheck: !disabled && (isObject(own) || fromImage) }).toEqual({ service: name, dependency, healthcheck: true });
      }
    }
  });

  it('waits for service_completed_successfully only on one-shot services', () => {
    const byName = new Map(services());
    for (const [, service] of services()) {
      for (const [dependency, condition] of dependsOn(service)) {
        if (condition !== 'service_completed_successfully') continue;
        expect(['no', 'on-failure', undefined]).toContain(byName.get(dependency)?.['restart']);
      }
    }
  });

  it('builds every app from a stage of the Dockerfile in the repository root', () => {
    const stages = loadDockerfile().map((stage) => stage.name);
    for (const [name, service] of services()) {
      const build = service['build'];
      if (build === undefined) continue;
      expect({ service: name, build }).toEqual({ service: name, build: { context: '.', target: expect.any(String) } });
      expect(stages).toContain(buildTarget(service));
    }
  });

  it('gives each app only variables it knows', () => {
    const unknown: string[] = [];
    for (const [name, service] of services()) {
      const target = targetOfService(name, service);
      if (!target) continue;
      for (const variable of Object.keys(environment(service))) {
        if (knownVariables(target).has(variable)) continue;
        unknown.push(`${name}: ${variable}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('gives each app, on docker stop, more time than its drain delay and shutdown grace before SIGKILL', () => {
    const apps = services().filter(([name, service]) => ['control-plane', 'gateway'].includes(targetOfService(name, service) ?? ''));
    expect(apps.length).toBe(2);
    for (const [name, service] of apps) {
      const env = environment(service);
      const setting = (variable: string) => Number(env[variable] ?? commonEnvNumberDefault(variable));
      const drainMs = setting('SHUTDOWN_DRAIN_DELAY_MS') + setting('SHUTDOWN_GRACE_MS');
      // Compose's default is 10 s: a stream in flight would be cut.
      const stopGraceMs = composeDurationMs(String(service['stop_grace_period'] ?? '10s'));
      expect({ service: name, drainMs, enough: stopGraceMs > drainMs }).toEqual({ service: name, drainMs, enough: true });
    }
  });

  it('publishes each app on the ports it listens on (API and metrics), which listen on all interfaces in the container', () => {
    const stages = loadDockerfile();
    for (const [name, service] of services()) {
      const target = targetOfService(name, service);
      const listener = target && LISTENERS[target];
      const published = (service['ports'] ?? []) as JsonValue[];
      if (!listener || published.length === 0) continue;
      const env = { ...stageEnv(stages, stageNamed(stages, target)), ...environment(service) };
      const listening = [env[listener.port], ...(listener.metricsPort ? [env[listener.metricsPort]] : [])];
      for (const mapping of published) {
        const containerPort = String(mapping).split(':').at(-1)?.split('/')[0] ?? '';
        expect({ service: name, containerPort, listening: listening.includes(containerPort) }).toEqual({ service: name, containerPort, listening: true });
      }
      expect({ service: name, host: env[listener.host] ?? listener.defaultHost() }).toEqual({ service: name, host: '0.0.0.0' });
    }
  });

  it('binds every published port to 127.0.0.1 unless SLUICE_BIND_ADDRESS says otherwise, and metrics always', () => {
    for (const [name, service] of services()) {
      for (const mapping of (service['ports'] ?? []) as JsonValue[]) {
        const text = String(mapping);
        const hostAddress = text.slice(0, text.lastIndexOf(':', text.lastIndexOf(':') - 1));
        expect({ service: name, mapping: text, loopback: ['127.0.0.1', '${SLUICE_BIND_ADDRESS:-127.0.0.1}'].includes(hostAddress) }).toEqual({ service: name, mapping: text, loopback: true });
      }
      const target = targetOfService(name, service);
      const metricsPort = target && LISTENERS[target]?.metricsPort;
      if (metricsPort) {
        const metrics = ((service['ports'] ?? []) as JsonValue[]).map(String).filter((mapping) => mapping.endsWith(`:${environment(service)[metricsPort]}`));
        expect({ service: name, metrics }).toEqual({ service: name, metrics: [expect.stringMatching(/^127\.0\.0\.1:/)] });
      }
    }
  });

  it('takes JWT_SECRET and SECRETS_KEY from the environment, with no default (production mode refuses published values)', () => {
    const apps = services().filter(([name, service]) => targetOfService(name, service) && targetOfService(name, service) !== 'mock-provider');
    for (const [name, service] of apps) {
      const env = environment(service);
      for (const variable of ['JWT_SECRET', 'SECRETS_KEY']) {
        if (!knownVariables(targetOfService(name, service) as Target).has(variable)) continue;
        expect({ service: name, variable, value: env[variable] }).toEqual({ service: name, variable, value: expect.stringMatching(new RegExp(`^\\$\\{${variable}:\\?[^}]+\\}$`)) });
      }
    }
  });
});

// ---------------------------------------------------------------- Dockerfile

describe('Dockerfile', () => {
  const stages = () => loadDockerfile();
  const target = (name: Target): Stage => stageNamed(stages(), name);

  it.each(TARGETS)('%s runs as a non-root user', (name) => {
    const user = effective(stages(), target(name), 'USER')?.args.split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it.each(TARGETS)('%s runs node as PID 1 (exec-form CMD ["node", ...], no ENTRYPOINT of its own) on its entry point', (name) => {
    expect(effective(stages(), target(name), 'ENTRYPOINT')).toBeUndefined();
    const command = execForm(effective(stages(), target(name), 'CMD')?.args ?? '');
    expect(command?.[0]).toBe('node');
    expect(command?.filter((arg) => arg.endsWith('.js'))).toEqual([ENTRY_POINTS[name]]);
  });

  /** Whether the image of target `name` holds `path` (relative to its WORKDIR), copied from where its build stage writes it. */
  function expectBuiltInto(name: Target, path: string): void {
    const chain = stageChain(stages(), target(name));
    const entry = posix.resolve(workdir(stages(), target(name)), path);
    // The COPY --from=<build stage> that brings the file into the image.
    const copies = chain.flatMap((stage) =>
      stage.instructions
        .filter((instruction) => instruction.keyword === 'COPY')
        .map((instruction) => /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(instruction.args))
        .filter((match): match is RegExpExecArray => match !== null)
        .map(([, from, source, destination]) => ({ from, source, destination: posix.resolve(workdir(stages(), stage), destination) })),
    );
    const copy = copies.find((candidate) => entry.startsWith(`${candidate.destination}/`));
    expect(copy).toBeDefined();
    if (!copy) return;
    const build = stageNamed(stages(), copy.from);
    // The build stage copies the repository into its WORKDIR and builds there.
    expect(build.instructions.some((instruction) => instruction.keyword === 'COPY' && /^\.\s+\.\/?$/.test(instruction.args))).toBe(true);
    const inBuild = posix.join(posix.resolve(workdir(stages(), build), copy.source), posix.relative(copy.destination, entry));
    const repoRelative = posix.relative(workdir(stages(), build), inBuild);
    expect([...builtFiles(build)]).toContain(repoRelative);
  }

  it.each(TARGETS)('%s finds its entry point where the build stage writes it', (name) => {
    expectBuiltInto(name, ENTRY_POINTS[name]);
  });

  it('control-plane carries the console build where it serves /console/ from by default (next to its own build)', () => {
    expectBuiltInto('control-plane', 'dist/apps/console/index.html');
  });

  it.each(TARGETS.filter((name) => name !== 'migrate'))('%s has a HEALTHCHECK on a route it serves, at the port it listens on', (name) => {
    const healthcheck = effective(stages(), target(name), 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    const probe = /process\.env\.([A-Z_]+)\s*\+\s*'(\/[^']*)'/.exec(healthcheck?.args ?? '');
    expect(probe).not.toBeNull();
    const [, portVariable, path] = probe ?? [];
    const listener = LISTENERS[name];
    expect(portVariable).toBe(listener?.port);
    expect(stageEnv(stages(), target(name))[portVariable]).toMatch(/^\d+$/);
    expect(listener?.routes()).toContain(path);
  });

  it.each(TARGETS.filter((name) => LISTENERS[name]))('%s listens on all interfaces (reachable from outside its container)', (name) => {
    const listener = LISTENERS[name];
    expect(stageEnv(stages(), target(name))[listener?.host ?? ''] ?? listener?.defaultHost()).toBe('0.0.0.0');
  });

  it('gives the one-shot migrate target no HEALTHCHECK', () => {
    expect(effective(stages(), target('migrate'), 'HEALTHCHECK')).toBeUndefined();
  });

  it('sets only variables the apps know (a shared stage: one of the apps built on it)', () => {
    const unknown: string[] = [];
    const all = stages();
    for (const stage of all) {
      const users = TARGETS.filter((name) => stageChain(all, stageNamed(all, name)).includes(stage));
      if (users.length === 0) continue; // the build stage
      for (const instruction of stage.instructions.filter((candidate) => candidate.keyword === 'ENV')) {
        for (const variable of Object.keys(envVariables(instruction.args))) {
          if (!users.some((name) => knownVariables(name).has(variable))) unknown.push(`${stage.name ?? stage.index}: ${variable}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });
});

describe('.dockerignore', () => {
  it('keeps node_modules and dist out of the build context', () => {
    const rules = readRepoFile('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const path of ['node_modules', 'dist']) {
      const excluded = rules.reduce((state, rule) => {
        const negated = rule.startsWith('!');
        const pattern = (negated ? rule.slice(1) : rule).replace(/^\/+|\/+$/g, '').replace(/^\*\*\//, '');
        return pattern === path ? !negated : state;
      }, false);
      expect({ path, excluded }).toEqual({ path, excluded: true });
    }
  });
});

describe('docs/operations.md', () => {
  it('documents every variable of both apps and the mock provider in its configuration table', () => {
    const documented = documentedVariables('docs/operations.md');
    const undocumented = TARGETS.flatMap((target) => [...knownVariables(target)].filter((variable) => !documented.has(variable)).map((variable) => `${target}: ${variable}`));
    expect([...new Set(undocumented)]).toEqual([]);
  });

  it('documents no variable that nothing reads', () => {
    const known = new Set(TARGETS.flatMap((target) => [...knownVariables(target)]));
    const stale = [...documentedVariables('docs/operations.md')].filter((variable) => !known.has(variable));
    expect(stale).toEqual([]);
  });
});

describe('the variable parsers', () => {
  // So that an empty parse cannot make the tests above pass vacuously.
  it('read each app schema, its common part and the mock provider configuration', () => {
    expect([...knownVariables('control-plane')]).toEqual(expect.arrayContaining(['DATABASE_URL', 'SECRETS_KEY', 'CONTROL_PLANE_PORT', 'REDIS_URL', 'NODE_ENV', 'TRUST_PROXY']));
    expect([...knownVariables('gateway')]).toEqual(expect.arrayContaining(['GATEWAY_PORT', 'JWT_SECRET', 'RATE_LIMIT_PER_MINUTE', 'REDIS_KEY_PREFIX', 'LOG_LEVEL']));
    expect(knownVariables('gateway').has('DATABASE_URL')).toBe(false);
    expect([...knownVariables('mock-provider')].sort()).toEqual(['MOCK_PROVIDER_HOST', 'MOCK_PROVIDER_PORT']);
    expect(knownVariables('migrate')).toEqual(knownVariables('control-plane'));
  });
});
