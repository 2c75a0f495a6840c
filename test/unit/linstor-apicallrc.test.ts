import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FAIL_EXISTS_RSC_DFN,
  FAIL_IN_USE,
  FAIL_NOT_FOUND_RSC_DFN,
  FAIL_UNKNOWN_ERROR,
  INFO_RSC_ALREADY_EXISTS,
  MASK_CRT,
  MASK_DEL,
  MASK_ERROR,
  MASK_MOD,
  MASK_RSC,
  MASK_RSC_DFN,
  CREATED,
  DELETED,
  MODIFIED,
  WARN_NOT_FOUND,
  codeOf,
  describeRetCode,
  isError,
  isInfo,
  isSuccess,
  isWarning,
  makeRetCode,
  objOf,
  opOf,
  parseLinstorJson,
  retCodeIs,
  retCodeName,
  stringifyLinstorJson,
  FAIL_SIGN_IN_MISSING_CREDENTIALS,
  API_CALL_PARSE_ERROR,
  FAIL_ACC_DENIED_FIRST,
} from '../../src/linstor/apicallrc.js';
import { httpStatusFor, apiCallRc } from '../../src/emulator/replies.js';
import type { ApiCallRc } from '../../src/linstor/types.js';

test('worked values from the fact sheet (§2)', () => {
  assert.is(makeRetCode(CREATED, MASK_CRT, MASK_RSC_DFN), 20447233n);
  assert.is(makeRetCode(MODIFIED, MASK_MOD, MASK_RSC_DFN), 37224451n);
  assert.is(makeRetCode(DELETED, MASK_DEL, MASK_RSC_DFN), 54001666n);
  assert.is(makeRetCode(CREATED, MASK_CRT, MASK_RSC), 20185089n);
  assert.is(makeRetCode(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_DFN), -4611686018406940171n);
  assert.is(makeRetCode(FAIL_NOT_FOUND_RSC_DFN), -4611686018427387603n);
  assert.is(makeRetCode(WARN_NOT_FOUND, MASK_DEL, MASK_RSC), -9223372036801033288n);
  assert.is(makeRetCode(INFO_RSC_ALREADY_EXISTS), 4611686018427397912n);
  assert.is(makeRetCode(FAIL_UNKNOWN_ERROR), -4611686018427386906n);
});

test('classification of -4611686018406940171 (FAIL_EXISTS_RSC_DFN | CRT | RSC_DFN)', () => {
  const rc = -4611686018406940171n;
  assert.ok(isError(rc));
  assert.not.ok(isWarning(rc));
  assert.not.ok(isInfo(rc));
  assert.is(codeOf(rc), 501);
  assert.is(opOf(rc), MASK_CRT);
  assert.is(objOf(rc), MASK_RSC_DFN);
  assert.ok(retCodeIs(rc, FAIL_EXISTS_RSC_DFN));
  assert.not.ok(retCodeIs(rc, FAIL_IN_USE));
  assert.is(retCodeName(rc), 'FAIL_EXISTS_RSC_DFN');
  assert.is(describeRetCode(rc), 'ERROR CRT RSC_DFN 501 (FAIL_EXISTS_RSC_DFN)');
});

test('warning and info classification', () => {
  const w = -9223372036801033288n;
  assert.ok(isWarning(w));
  assert.not.ok(isError(w));
  assert.ok(retCodeIs(w, WARN_NOT_FOUND));
  assert.is(codeOf(w), 3000);
  const i = 4611686018427397912n;
  assert.ok(isInfo(i));
  assert.not.ok(isError(i));
  assert.ok(retCodeIs(i, INFO_RSC_ALREADY_EXISTS));
  assert.ok(isSuccess(20447233n));
  assert.not.ok(isError(20447233n));
  // unsigned and signed forms classify the same
  assert.ok(isError(0xc0000000013801f5n));
  assert.ok(retCodeIs(0xc0000000013801f5n, FAIL_EXISTS_RSC_DFN));
});

test('a number cannot hold these codes: the low bits are lost', () => {
  // This is why ret_code must be a bigint: Number() rounds away the code.
  const n = Number(-4611686018406940171n);
  assert.is.not(BigInt(n), -4611686018406940171n);
});

test('parseLinstorJson keeps every ret_code exact, nested too', () => {
  const text = `[
    {"ret_code": -4611686018406940171, "message": "A resource definition with the name 'x' already exists"},
    {"ret_code":20447233,"message":"ok","obj_refs":{"RscDfn":"x"}},
    {"ret_code" : -9223372036801033288 , "message": "a \\"ret_code\\": 5 inside a string", "cause": "ret_code"}
  ]`;
  const v = parseLinstorJson(text) as ApiCallRc[];
  assert.is(v[0]?.ret_code, -4611686018406940171n);
  assert.is(v[1]?.ret_code, 20447233n);
  assert.is(v[2]?.ret_code, -9223372036801033288n);
  assert.is(v[2]?.message, 'a "ret_code": 5 inside a string');
  assert.is(v[2]?.cause, 'ret_code');
  const pools = parseLinstorJson(
    '[{"storage_pool_name":"p","free_capacity":1024,"reports":[{"ret_code":-4611686018427386906,"message":"m"}]}]',
  ) as { free_capacity: number; reports: ApiCallRc[] }[];
  assert.is(pools[0]?.free_capacity, 1024);
  assert.is(pools[0]?.reports[0]?.ret_code, -4611686018427386906n);
});

test('parseLinstorJson leaves other keys and other numbers alone', () => {
  const v = parseLinstorJson('{"ret_code_x": 5, "a": [1, 2.5, -3e2], "s": "\\u0000"}') as Record<string, unknown>;
  assert.equal(v, { ret_code_x: 5, a: [1, 2.5, -300], s: '\u0000' });
});

test('stringifyLinstorJson writes exact integers and round-trips', () => {
  const entries: ApiCallRc[] = [
    apiCallRc(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_DFN, { message: 'dup', cause: 'c' }),
    apiCallRc(WARN_NOT_FOUND, MASK_DEL, MASK_RSC, { message: 'gone' }),
  ];
  const s = stringifyLinstorJson(entries);
  assert.ok(s.includes('"ret_code":-4611686018406940171'), s);
  assert.ok(s.includes('"ret_code":-9223372036801033288'), s);
  assert.equal(parseLinstorJson(s), entries);
  assert.is(stringifyLinstorJson({ a: 1 }), '{"a":1}');
});

test('httpStatusFor follows ApiCallRcRestUtils.toResponse', () => {
  const e = (code: bigint): ApiCallRc => ({ ret_code: makeRetCode(code), message: 'm' });
  assert.is(httpStatusFor([e(FAIL_NOT_FOUND_RSC_DFN)], 200), 404);
  assert.is(httpStatusFor([e(FAIL_EXISTS_RSC_DFN)], 201), 500);
  assert.is(httpStatusFor([e(MASK_ERROR | BigInt(FAIL_ACC_DENIED_FIRST))], 200), 403);
  assert.is(httpStatusFor([e(FAIL_SIGN_IN_MISSING_CREDENTIALS)], 200), 401);
  assert.is(httpStatusFor([e(API_CALL_PARSE_ERROR)], 200), 400);
  assert.is(httpStatusFor([e(WARN_NOT_FOUND)], 200), 200);
  assert.is(httpStatusFor([e(INFO_RSC_ALREADY_EXISTS), e(CREATED)], 201), 201);
});

test.run();
