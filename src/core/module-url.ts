// Where Sluice's own files are, from the source tree (.ts, run by Node's type stripping) or built (dist/, .js).

import { registerHooks } from 'node:module';

/** Whether `moduleUrl` (an `import.meta.url`) is a file of the source tree rather than of dist/. */
export const isSourceModule = (moduleUrl: string): boolean => moduleUrl.endsWith('.ts');

/**
 * A module next to `moduleUrl`, named as in the source tree (`./worker.ts`): the same file in
 * the tree that `moduleUrl` belongs to, `.js` once built.
 *
 * @example
 * new Worker(siblingModule('../task/worker.ts', import.meta.url));
 */
export function siblingModule(relative: string, moduleUrl: string): URL {
  const url = new URL(relative, moduleUrl);
  if (!isSourceModule(moduleUrl) && url.pathname.endsWith('.ts'))
    url.pathname = `${url.pathname.slice(0, -'.ts'.length)}.js`;
  return url;
}

/**
 * A file of the package (its root holds package.json and bin/), from a module of `src/` in the
 * source tree or of `dist/src/` once built.
 */
export function packageFile(path: string, moduleUrl: string): URL {
  const src = moduleUrl.lastIndexOf('/src/');
  const root = moduleUrl.slice(0, src).replace(/\/dist$/, '');
  return new URL(path, `${root}/`);
}

/** What `import … from 'sluice'` names, as files of the source tree. */
const SELF = { sluice: '../api/index.ts', 'sluice/testing': '../testing/index.ts' } as const;

let selfResolved = false;

/**
 * In the source tree, lets modules import Sluice by its package name (examples and jobs in the
 * repository `import { defineJob } from 'sluice'`, as users' jobs do): the package's exports map
 * names the built files, which a checkout has not. Once per thread; built, the map does it.
 */
export function resolveSelfFromSource(): void {
  if (selfResolved || !isSourceModule(import.meta.url)) return;
  selfResolved = true;
  registerHooks({
    resolve(specifier, context, next) {
      const file = Object.hasOwn(SELF, specifier) ? SELF[specifier as keyof typeof SELF] : undefined;
      return file
        ? { url: new URL(file, import.meta.url).href, shortCircuit: true }
        : next(specifier, context);
    },
  });
}
