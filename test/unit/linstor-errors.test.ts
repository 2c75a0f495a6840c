import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FAIL_EXISTS_RSC_DFN,
  FAIL_EXISTS_VLM_DFN,
  FAIL_IN_USE,
  FAIL_NOT_ENOUGH_NODES,
  FAIL_NOT_FOUND_RSC_DFN,
  MASK_CRT,
  MASK_DEL,
  MASK_RSC,
  MASK_RSC_DFN,
  WARN_NOT_FOUND,
  makeRetCode,
} from '../../src/linstor/apicallrc.js';
import { apiCallRc } from '../../src/emulator/replies.js';
import { LinstorApiError, LinstorUnavailableError, isAlreadyExistsError, isNotFoundError } from '../../src/linstor/errors.js';
import { toApiError } from '../../src/linstor/requests.js';
import { wasNotFound } from '../../src/linstor/client.js';

test('LinstorApiError keeps the first error entry', () => {
  const entries = [
    apiCallRc(WARN_NOT_FOUND, MASK_DEL, MASK_RSC, { message: 'a warning first' }),
    apiCallRc(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_DFN, {
      message: "A resource definition with the name 'x' already exists",
      cause: 'cause text',
      correction: 'fix it',
      details: 'd',
      error_report_ids: ['ABC-1'],
    }),
  ];
  const e = new LinstorApiError({ status: 500, method: 'POST', path: '/v1/resource-definitions', entries });
  assert.is(e.message, "A resource definition with the name 'x' already exists");
  assert.is(e.retCode, -4611686018406940171n);
  assert.is(e.cause, 'cause text');
  assert.is(e.correction, 'fix it');
  assert.is(e.details, 'd');
  assert.equal([...e.errorReportIds], ['ABC-1']);
  assert.is(e.status, 500);
  assert.ok(e.isAlreadyExists());
  assert.ok(e.is(FAIL_EXISTS_RSC_DFN));
  assert.not.ok(e.is(FAIL_EXISTS_VLM_DFN));
  assert.not.ok(e.isNotFound());
  assert.not.ok(e.isInUse());
  assert.ok(isAlreadyExistsError(e));
  assert.match(e.describe(), /FAIL_EXISTS_RSC_DFN/);
  assert.instance(e, Error);
});

test('not found: by status 404 or by code', () => {
  const byCode = new LinstorApiError({ status: 404, method: 'GET', path: '/v1/resource-definitions/x', entries: [apiCallRc(FAIL_NOT_FOUND_RSC_DFN, 0n, 0n, { message: "Resource definition 'x' not found." })] });
  assert.ok(byCode.isNotFound());
  assert.ok(isNotFoundError(byCode));
  const bare = new LinstorApiError({ status: 404, method: 'GET', path: '/v1/x', entries: [] });
  assert.ok(bare.isNotFound());
  assert.match(bare.message, /404/);
  // a not-found code inside a 500 still counts
  const inside = new LinstorApiError({ status: 500, method: 'POST', path: '/p', entries: [apiCallRc(FAIL_NOT_FOUND_RSC_DFN, 0n, 0n, { message: 'm' })] });
  assert.ok(inside.isNotFound());
});

test('in use and not enough nodes', () => {
  const inUse = new LinstorApiError({ status: 500, method: 'DELETE', path: '/p', entries: [apiCallRc(FAIL_IN_USE, MASK_DEL, MASK_RSC, { message: "Resource 'r' is still in use." })] });
  assert.ok(inUse.isInUse());
  const nodes = new LinstorApiError({ status: 500, method: 'POST', path: '/p', entries: [apiCallRc(FAIL_NOT_ENOUGH_NODES, 0n, 0n, { message: 'Not enough available nodes' })] });
  assert.ok(nodes.isNotEnoughNodes());
  assert.not.ok(nodes.isInUse());
});

test('toApiError: clone reply shape, redirect, non-JSON body', () => {
  const clone = toApiError(
    { status: 500, headers: {}, body: { messages: [apiCallRc(FAIL_NOT_ENOUGH_NODES, 0n, 0n, { message: 'no pools' })] }, text: '', endpoint: 'http://a' },
    'POST',
    '/v1/resource-definitions/s/clone',
  );
  assert.ok(clone.isNotEnoughNodes());
  const redirect = toApiError({ status: 302, headers: { location: 'https://a:3371/v1/nodes' }, body: undefined, text: '', endpoint: 'http://a:3370' }, 'GET', '/v1/nodes');
  assert.match(redirect.message, /https:\/\/a:3371/);
  const text = toApiError({ status: 502, headers: {}, body: undefined, text: 'Bad Gateway', endpoint: 'http://a' }, 'GET', '/v1/nodes');
  assert.match(text.message, /HTTP 502.*Bad Gateway/);
});

test('LinstorUnavailableError names every endpoint and reason', () => {
  const e = new LinstorUnavailableError('GET', '/v1/nodes', [
    { endpoint: 'http://a:3370', reason: 'ECONNREFUSED' },
    { endpoint: 'http://b:3370', reason: 'timeout after 100 ms' },
  ]);
  assert.match(e.message, /http:\/\/a:3370 \(ECONNREFUSED\)/);
  assert.match(e.message, /http:\/\/b:3370 \(timeout after 100 ms\)/);
  assert.not.ok(e.outcomeUnknown);
  const w = new LinstorUnavailableError('POST', '/p', [{ endpoint: 'x', reason: 'ECONNRESET' }], true);
  assert.ok(w.outcomeUnknown);
  assert.match(w.message, /may have been applied/);
});

test('wasNotFound detects the idempotent-delete warning', () => {
  assert.ok(wasNotFound([{ ret_code: makeRetCode(WARN_NOT_FOUND, MASK_DEL, MASK_RSC_DFN), message: 'Resource definition: x not found.' }]));
  assert.not.ok(wasNotFound([{ ret_code: 54001666n, message: 'deleted' }]));
});

test.run();
