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

/**
 * A failed system call in the native code (the addon, ctr-monitor, ctr-exec):
 * the message reads "CALL PATH: strerror"; .code is the errno's name.
 */
export interface NativeError extends Error {
  call: string;
  /** What the call was made on, when there is something to name. */
  path?: string;
  code: string;
  errno?: number;
}

export function isNativeError(error: unknown): error is NativeError {
  return error instanceof Error && typeof (error as Partial<NativeError>).call === 'string' && typeof (error as Partial<NativeError>).code === 'string';
}

/** A native failure with the context of the level above ("cannot start container web: "), keeping its call, path and code. */
export function wrapNativeError(context: string, error: NativeError, exitStatus = 1): RuntimeError & NativeError {
  const wrapped = new RuntimeError(`${context}: ${error.message}`, exitStatus) as RuntimeError & NativeError;
  wrapped.call = error.call;
  if (error.path !== undefined) wrapped.path = error.path;
  wrapped.code = error.code;
  if (error.errno !== undefined) wrapped.errno = error.errno;
  wrapped.cause = error;
  return wrapped;
}
