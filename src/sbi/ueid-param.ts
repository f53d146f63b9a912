// A UEID in a resource path (lower-case hex of the whole UEID, type byte first), as the DCS's
// endorsement API and the PS's operator API both take it.
import { fromHex } from '../lib/bytes.js';
import { ueidExpectation } from '../lib/rats/eat-claims.js';
import { problem } from './problem-details.js';

/** Checks a UEID path parameter and returns it; 400 UEID_INVALID saying what is expected. */
export function checkUeidHex(ueid: string): string {
  const expectation = /^(?:[0-9a-f]{2})+$/.test(ueid)
    ? ueidExpectation(fromHex(ueid))
    : 'lower-case hex';
  if (expectation) {
    throw problem(
      400,
      'UEID_INVALID',
      `the UEID must be ${expectation} (lower-case hex of the whole UEID)`,
    );
  }
  return ueid;
}
