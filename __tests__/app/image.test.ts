/**
 * The portal's image, checked from its Dockerfile (no Docker engine here): every base pinned by
 * digest, a build stage with dev dependencies and a runtime stage with production ones only,
 * a non-root user, a HEALTHCHECK and exec-form CMD; plus the build context and Dependabot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const APP = join(__dirname, '../../app');

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions of a Dockerfile by stage: comments dropped, `\\` continuations joined. */
function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(' ');
      stages.push({
        from: image,
        ...(as?.toUpperCase() === 'AS' && name ? { name } : {}),
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG')
        throw new Error(`${instruction.keyword} before the first FROM`);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

const dockerfile = readFileSync(join(APP, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const runtime = stages.at(-1)!;
const of = (stage: Stage, keyword: string): string[] =>
  stage.instructions
    .filter((instruction) => instruction.keyword === keyword)
    .map((instruction) => instruction.args);

describe('app/Dockerfile', () => {
  it('pins every base image by digest, with the tag named for Dependabot', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(stage.from).toMatch(/^node:\d+[\w.-]*@sha256:[0-9a-f]{64}$/);
    }
  });

  it('builds with dev dependencies and tsc, and ships production dependencies and dist only', () => {
    const build = stages.find((stage) => stage.name === 'build')!;
    expect(of(build, 'RUN')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^npm ci\b(?!.*--omit=dev)/), 'npm run build']),
    );
    const runs = of(runtime, 'RUN').join(' && ');
    expect(runs).toMatch(/npm ci --omit=dev/);
    expect(runs).not.toMatch(/npm (install|i)\b/);
    const copies = of(runtime, 'COPY');
    expect(copies.filter((args) => args.startsWith('--from='))).toEqual([
      '--from=build /build/dist ./dist',
    ]);
    expect(copies.some((args) => /node_modules|\bsrc\b|tsconfig/.test(args))).toBe(false);
  });

  it('runs as a non-root user, with a HEALTHCHECK and exec-form CMD', () => {
    const users = of(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const [healthcheck] = of(runtime, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/CMD \["node", "dist\/healthcheck\.js"\]$/);
    const cmd = of(runtime, 'CMD').at(-1)!;
    expect(JSON.parse(cmd)).toEqual(['node', 'dist/main.js']);
    expect(of(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  it('keeps node_modules, dist and secrets out of the build context', () => {
    const ignore = readFileSync(join(APP, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    // Everything is excluded first, then only what the image needs is let back in.
    expect(ignore[0]).toBe('*');
    expect(ignore.filter((line) => line.startsWith('!'))).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/node_modules|dist|\.env/)]),
    );
  });

  it('is watched by Dependabot: the image base, both npm lockfiles and the actions', () => {
    const config = parse(readFileSync(join(__dirname, '../../.github/dependabot.yml'), 'utf8')) as {
      updates: { 'package-ecosystem': string; directory: string }[];
    };
    const watched = config.updates.map(
      (update: { 'package-ecosystem': string; directory: string }) =>
        `${update['package-ecosystem']} ${update.directory}`,
    );
    expect(watched.sort()).toEqual(['docker /app', 'github-actions /', 'npm /', 'npm /app']);
  });
});

describe('app/package.json', () => {
  it('pins exact versions and keeps the compiler out of production dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(APP, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const [name, version] of Object.entries({
      ...manifest.dependencies,
      ...manifest.devDependencies,
    })) {
      expect({ name, version }).toEqual({
        name,
        version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      });
    }
    expect(Object.keys(manifest.dependencies)).not.toEqual(expect.arrayContaining(['typescript']));
    const lock = JSON.parse(readFileSync(join(APP, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dependencies?: Record<string, string> }>;
    };
    expect(lock.packages['']?.dependencies).toEqual(manifest.dependencies);
  });
});
