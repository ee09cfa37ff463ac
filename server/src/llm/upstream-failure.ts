// How a model provider failed, in its own module: the registry (provider health), metrics and
// the stream all read it, and the stream needs the registry's routes.

/** An upstream failure, described for people (never containing prompt or answer text). */
export class UpstreamFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly details: {
      /** The provider could not be reached at all (refused, reset, timed out). */
      unreachable?: boolean;
      /** The provider's Retry-After header (on a 429, say). */
      retryAfter?: string;
    } = {},
  ) {
    super(message);
    this.name = "UpstreamFailure";
  }
}
