// The dashboard's static files (page, script, style, uPlot), read once at start and served at /.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { AdminResponse, Route } from './types.ts';

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * The dashboard's files by path, as module specifiers: the page, its script and style next to this
 * module, and uPlot's dist files from wherever npm put the package (it has no exports map).
 */
const ASSETS = [
  ['/', './dashboard/index.html', HTML],
  ['/dashboard.js', './dashboard/dashboard.js', JS],
  ['/format.js', './dashboard/format.js', JS],
  ['/panels.js', './dashboard/panels.js', JS],
  ['/dashboard.css', './dashboard/dashboard.css', CSS],
  ['/vendor/uplot.js', 'uplot/dist/uPlot.esm.js', JS],
  ['/vendor/uplot.css', 'uplot/dist/uPlot.min.css', CSS],
] as const;

/**
 * The routes of the dashboard at `/`, read once here: a missing file (a broken install) stops the
 * start with `SLUICE_HTTP` instead of turning into a 500 on the first visit.
 */
export function dashboardRoutes(): [string, Route][] {
  return ASSETS.map(([path, specifier, contentType]) => {
    const answer: AdminResponse = { status: 200, contentType, body: read(specifier) };
    return [path, () => answer];
  });
}

function read(specifier: string): string {
  try {
    return readFileSync(fileURLToPath(import.meta.resolve(specifier)), 'utf8');
  } catch (error) {
    throw new SluiceError(
      ErrorCode.http,
      `the dashboard cannot read ${specifier}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
