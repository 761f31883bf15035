export type RegistryErrorReason = 'auth' | 'denied' | 'not-found' | 'tls' | 'unreachable' | 'digest-mismatch' | 'unsupported' | 'protocol';

/** Every failure of the registry client: a reason to branch on and a message a user understands (never a secret). */
export class RegistryError extends Error {
  constructor(readonly reason: RegistryErrorReason, message: string, readonly status?: number) {
    super(message);
    this.name = 'RegistryError';
  }
}
