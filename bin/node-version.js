// Which Node.js can run Sluice, said in one line before anything else fails less clearly.

/** The oldest Node.js that runs Sluice (package.json's engines): type stripping behind a flag. */
export const MIN_NODE = [22, 12, 0];

/**
 * Undefined when `version` (`process.versions.node`, e.g. '24.11.1') runs Sluice; otherwise the
 * one line to print: which version is needed, which one this is, and how to get another.
 */
export function nodeVersionProblem(version) {
  const parts = String(version)
    .split('.')
    .map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < MIN_NODE.length; i++) {
    const have = Number.isFinite(parts[i]) ? parts[i] : 0;
    if (have > MIN_NODE[i]) return undefined;
    if (have < MIN_NODE[i]) {
      return `SLUICE_NODE: Sluice needs Node.js ${MIN_NODE.slice(0, 2).join('.')} or newer (24 LTS recommended); this is Node.js ${version}. Get it from https://nodejs.org or with a version manager (nvm install 24).`;
    }
  }
  return undefined;
}
