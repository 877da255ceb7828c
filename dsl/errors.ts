/**
 * User errors raised by the DSL at run time (eager ops, layouts, the simulated
 * mesh). Each carries a stable code from the message catalog so tests and tools
 * can tell them apart; any other exception thrown by meshtype is a bug.
 */
export class MeshtypeError extends Error {
  /** Stable identifier of the message, e.g. `"unknown-dim"`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "MeshtypeError";
    this.code = code;
  }
}
