/**
 * The policy origins that are not a file: in a module of their own, free of the policy parser
 * (yaml, its validator), so that renderers (core/markdown) and the input parsers that load them
 * do not load it.
 */

/** The origin of the embedded default policy, used when DEFAULT_POLICY_PATH does not exist. */
export const BUILT_IN_POLICY_ORIGIN = 'built-in default';

/** The origin recorded for a run whose policy was never loaded (it failed before). */
export const NOT_LOADED_POLICY_ORIGIN = 'not loaded';
