/**
 * Keeps the dependency direction of shared/STYLE.md true: workflows imports nothing of ours;
 * connectors/sdk imports workflows; a connector imports sdk and workflows, never another
 * connector; engine never imports server or a concrete connector; designer imports only
 * workflows and server/contracts; nothing below server imports server.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const TOP = ['workflows', 'engine', 'connectors', 'server', 'designer'];

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return (fs.readdirSync(abs, { recursive: true }) as string[])
    .filter((f) => /\.(ts|tsx)$/.test(f) && !f.includes('node_modules') && !f.startsWith('dist'))
    .map((f) => path.join(abs, f));
}

/** relative imports of a file, resolved to repo-relative paths */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  return specs.filter((s) => s.startsWith('.')).map((s) => path.relative(ROOT, path.resolve(path.dirname(file), s)));
}

const area = (rel: string) => rel.split(path.sep)[0];

describe('architecture: imports point one way', () => {
  const violations = (dir: string, allowed: (target: string, source: string) => boolean) =>
    sourceFiles(dir).flatMap((f) => {
      const source = path.relative(ROOT, f);
      return importsOf(f)
        .filter((t) => TOP.includes(area(t)) && !allowed(t, source))
        .map((t) => `${source} → ${t}`);
    });

  it('workflows imports nothing outside workflows', () => {
    expect(violations('workflows', (t) => area(t) === 'workflows')).toEqual([]);
  });

  it('connectors import only workflows, their sdk and their own folder', () => {
    expect(
      violations('connectors', (t, s) => {
        if (area(t) === 'workflows') return true;
        if (t.startsWith(`connectors${path.sep}sdk`)) return true;
        const own = s.split(path.sep).slice(0, 2).join(path.sep);
        if (t.startsWith(own)) return true;
        return s === path.join('connectors', 'registry.ts') || s === path.join('connectors', 'index.ts');
      }),
    ).toEqual([]);
  });

  it('engine imports workflows and connectors/sdk only', () => {
    expect(violations('engine', (t) => ['workflows', 'engine'].includes(area(t)) || t.startsWith(`connectors${path.sep}sdk`))).toEqual([]);
  });

  it('designer imports only workflows and server/contracts', () => {
    expect(violations('designer', (t) => ['workflows', 'designer'].includes(area(t)) || t.startsWith(`server${path.sep}contracts`))).toEqual([]);
  });
});
