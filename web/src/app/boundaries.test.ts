// The layout's rules, checked on the source: shared code (components/, lib/) never
// reaches into a feature, and a feature uses another only through its index, so each
// feature folder can change inside without breaking its neighbours.
import { describe, expect, it } from 'vitest';

// Every source file's text, keyed by its path relative to src/.
const texts = import.meta.glob<string>(['../**/*.ts', '../**/*.tsx'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

function resolve(from: string, spec: string): string {
  const parts = from.split('/').slice(0, -1);
  for (const seg of spec.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return parts.join('/');
}

const files = Object.entries(texts).map(([key, text]) => {
  const path = key.replace(/^\.\.\//, '');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']*)'/g)].map((m) => m[1]);
  return { path, imports: specs.map((s) => resolve(path, s)) };
});

describe('module boundaries', () => {
  it('finds the sources', () => {
    expect(files.some((f) => f.path.startsWith('features/risks/'))).toBe(true);
    expect(files.some((f) => f.path.startsWith('components/'))).toBe(true);
  });

  it('keeps shared code free of features and of the app', () => {
    const offenders = files
      .filter((f) => f.path.startsWith('components/') || f.path.startsWith('lib/'))
      .flatMap((f) =>
        f.imports.filter((i) => i.startsWith('features/') || i.startsWith('app/')).map((i) => `${f.path} -> ${i}`),
      );
    expect(offenders).toEqual([]);
  });

  it('lets a feature use another only through its index', () => {
    const offenders = files
      .filter((f) => f.path.startsWith('features/'))
      .flatMap((f) => {
        const own = f.path.split('/')[1];
        return f.imports
          .filter((i) => {
            if (i.startsWith('app/')) return true;
            const [top, feature, ...rest] = i.split('/');
            return top === 'features' && feature !== own && rest.length > 0;
          })
          .map((i) => `${f.path} -> ${i}`);
      });
    expect(offenders).toEqual([]);
  });
});
