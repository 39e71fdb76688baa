/** The oldest Node.js that runs Sluice, as [major, minor, patch]. */
export declare const MIN_NODE: readonly number[];
/** Undefined when `version` runs Sluice; otherwise the one line to print. */
export declare function nodeVersionProblem(version: string): string | undefined;
