// ProblemDetails (TS 29.571 5.2.4.1, RFC 9457): the one error body every interface returns, with
// the application error `cause` of TS 29.500 Table 5.2.7.2-1 or of the interface itself.

export interface InvalidParam {
  /** JSON pointer (or header/query name) of the offending input */
  param: string;
  reason?: string;
}

export interface ProblemDetails {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  cause?: string;
  invalidParams?: InvalidParam[];
}

export const PROBLEM_JSON = 'application/problem+json';

/** Thrown by a service or route; the server turns it into its ProblemDetails response. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail ?? problem.title);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A ProblemError with the status's standard title. */
export function problem(
  status: number,
  cause: string,
  detail: string,
  invalidParams?: InvalidParam[],
): ProblemError {
  return new ProblemError({
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    cause,
    ...(invalidParams && invalidParams.length > 0 ? { invalidParams } : {}),
  });
}
