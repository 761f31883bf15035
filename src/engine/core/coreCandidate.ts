import type { EngineCandidate } from '../engineSelection';

/** The `stevedore.engine` value (and `--engine` of the CLI) that picks the bundled core. */
export const CORE_CHOICE = 'bundled';

/** The bundled engine as a candidate; loaded on first use, like the daemon engine. */
export function coreCandidate(source = 'the bundled core'): EngineCandidate {
  return {
    endpoint: CORE_CHOICE,
    source,
    create: async () => new (await import('./coreEngine')).CoreEngine(),
  };
}
