import { BrokerError, BrokerErrorCode } from '../errors.js';

/**
 * A filter expression that cannot be compiled. It is a BrokerError with code ILLEGAL_FILTER_EXPRESSION (so the
 * protocol layer maps it like any other), plus the character index where the problem was found.
 */
export class IllegalFilterExpressionError extends BrokerError {
  constructor(
    message: string,
    /** 0-based UTF-16 index into the expression. */
    readonly position: number,
  ) {
    super(BrokerErrorCode.ILLEGAL_FILTER_EXPRESSION, message);
  }
}

const NEAR_MAX = 24;

/** Formats "<kind> filter: <what> at position <n> near '<text>'" (or "near end of expression"). */
export function filterError(
  kind: 'SQL' | 'TAG',
  what: string,
  position: number,
  near: string | undefined,
): IllegalFilterExpressionError {
  let where: string;
  if (near === undefined) where = 'near end of expression';
  else where = `near '${near.length > NEAR_MAX ? `${near.slice(0, NEAR_MAX)}...` : near}'`;
  return new IllegalFilterExpressionError(`${kind} filter: ${what} at position ${position} ${where}`, position);
}
