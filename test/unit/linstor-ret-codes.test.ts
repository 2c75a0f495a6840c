// The one ret_code → gRPC table (issue 11, item 6): complete, by meaning, documented.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { RET_CODE_TABLE, grpcCodeForRetCode } from '../../src/linstor/ret-codes.js';
import { codeFor } from '../../src/linstor/csi-errors.js';
import { Code } from '../../src/csi/errors.js';
import { LinstorApiError } from '../../src/linstor/errors.js';
import { FAIL_NOT_CONNECTED, FAIL_SNAPSHOTS_NOT_SUPPORTED, FAIL_UNKNOWN_ERROR, MASK_CRT, MASK_SNAPSHOT, RET_CODE_NAMES, codeOf, isError } from '../../src/linstor/apicallrc.js';

const apiError = (status: number, retCode?: bigint): LinstorApiError =>
  new LinstorApiError({ status, method: 'POST', path: '/v1/x', entries: retCode === undefined ? [] : [{ ret_code: retCode, message: 'm' }] });

test('every error code LINSTOR names maps to a gRPC code', () => {
  for (const [rc, name] of RET_CODE_NAMES) {
    if (!isError(rc) || !name.startsWith('FAIL_')) continue;
    assert.ok(grpcCodeForRetCode(codeOf(rc)) !== undefined, `${name} (${codeOf(rc)}) is not in the table`);
  }
});

test('by meaning, not by HTTP status: permanent refusals sent as 500 are not UNAVAILABLE', () => {
  const snapNotSupported = apiError(500, FAIL_SNAPSHOTS_NOT_SUPPORTED | MASK_CRT | MASK_SNAPSHOT);
  assert.is(codeFor(snapNotSupported), Code.FAILED_PRECONDITION, 'FILE_THIN "does not support snapshots" (500)');
  assert.is(codeFor(apiError(500, FAIL_NOT_CONNECTED)), Code.UNAVAILABLE, 'satellite offline: can succeed later');
  assert.is(codeFor(apiError(500, FAIL_UNKNOWN_ERROR)), Code.INTERNAL);
  assert.is(grpcCodeForRetCode(202), Code.INVALID_ARGUMENT, 'FAIL_INVLD_RSC_NAME');
  assert.is(grpcCodeForRetCode(301), Code.NOT_FOUND, 'FAIL_NOT_FOUND_RSC_DFN');
  assert.is(grpcCodeForRetCode(501), Code.ALREADY_EXISTS, 'FAIL_EXISTS_RSC_DFN');
  assert.is(grpcCodeForRetCode(997), Code.FAILED_PRECONDITION, 'FAIL_IN_USE');
  assert.is(grpcCodeForRetCode(980), Code.RESOURCE_EXHAUSTED, 'FAIL_NOT_ENOUGH_FREE_SPACE');
  assert.is(grpcCodeForRetCode(996), Code.RESOURCE_EXHAUSTED, 'FAIL_NOT_ENOUGH_NODES');
  assert.is(grpcCodeForRetCode(992), Code.ABORTED, 'FAIL_RSC_BUSY');
  assert.is(grpcCodeForRetCode(401), Code.PERMISSION_DENIED);
  assert.is(grpcCodeForRetCode(10000), Code.UNAUTHENTICATED);
  // No entry: the status decides.
  assert.is(codeFor(apiError(503)), Code.UNAVAILABLE, 'a proxy 503 without an entry');
  assert.is(codeFor(apiError(404)), Code.NOT_FOUND);
  assert.is(codeFor(apiError(400)), Code.INTERNAL);
});

test('UNAVAILABLE only for codes that can succeed later', () => {
  const unavailable = RET_CODE_TABLE.filter((r) => r.grpc === Code.UNAVAILABLE).flatMap((r) => Array.from({ length: r.to - r.from + 1 }, (_, i) => r.from + i));
  assert.equal(unavailable.sort((a, b) => a - b), [605, 973, 986, 987, 995]);
});

test('docs/errors.md lists every row of the table', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  for (const r of RET_CODE_TABLE) {
    const codes = r.from === r.to ? String(r.from) : `${r.from}–${r.to}`;
    assert.ok(doc.includes(`| ${codes} | ${r.names} | ${Code[r.grpc]} | ${r.why} |`), `docs/errors.md lacks the row for ${r.names}`);
  }
});

test.run();
