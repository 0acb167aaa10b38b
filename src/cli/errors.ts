/** Exit codes of the `apogee` command and the error that carries one. */
export const ExitCode = {
  OK: 0,
  /** The broker refused the request (bad name, duplicate, not found...). */
  REQUEST_FAILED: 1,
  /** Bad command line: unknown command or flag, bad flag value, bad config. */
  USAGE: 2,
  /** The broker's admin port could not be reached. */
  UNREACHABLE: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
