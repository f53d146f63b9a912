// Bad command-line input. main() prints the message on one line and exits with 2. Messages name
// the flag and what it expects; they never repeat the value given, which may be a key.
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** A well-formed request whose operation failed (for example a SUCI whose MAC does not verify). */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}
