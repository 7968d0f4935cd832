/** A mistake in what the user asked for: one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The request was fine but the system refused it: one line, exit status 1 unless said otherwise. */
export class RuntimeError extends Error {
  override name = 'RuntimeError';

  constructor(message: string, readonly exitStatus = 1) {
    super(message);
  }
}
