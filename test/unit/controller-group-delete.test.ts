import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GroupReconciler } from '../../src/controller-service/group-reconciler.js';
import { FAIL_EXISTS_RSC_DFN } from '../../src/linstor/apicallrc.js';
import { apiCallRc } from '../../src/emulator/replies.js';
import { LinstorApiError } from '../../src/linstor/errors.js';
import type { LinstorClient } from '../../src/linstor/client.js';
import { silentLogger } from '../../src/log/logger.js';

/** resourceGroups.delete answers "in use" while `users` > 0; each call waits for `release()`. */
function fakeGroups() {
  const s = { users: 3, calls: 0, usersAtCall: [] as number[], waiting: [] as (() => void)[] };
  const linstor = {
    resourceGroups: {
      delete: async () => {
        s.calls++;
        const users = s.users;
        s.usersAtCall.push(users);
        await new Promise<void>((r) => s.waiting.push(r));
        if (users > 0) throw new LinstorApiError({ status: 500, method: 'DELETE', path: '/v1/resource-groups/g', entries: [apiCallRc(FAIL_EXISTS_RSC_DFN, 0n, 0n, { message: 'in use' })] });
        return [];
      },
    },
  } as unknown as LinstorClient;
  const release = async (): Promise<void> => {
    for (let i = 0; i < 20 && s.waiting.length === 0; i++) await new Promise((r) => setImmediate(r));
    s.waiting.shift()?.();
  };
  return { s, linstor, release };
}

const ctx = { signal: new AbortController().signal, log: silentLogger() };

test('callers arriving while a group delete runs share one attempt queued behind it', async () => {
  const { s, linstor, release } = fakeGroups();
  const groups = new GroupReconciler({ linstor, log: silentLogger() });
  const first = groups.deleteIfUnused('g', ctx); // sees 3 users
  await new Promise((r) => setImmediate(r));
  s.users = 0; // the other volumes go meanwhile
  const later = [groups.deleteIfUnused('g', ctx), groups.deleteIfUnused('G', ctx), groups.deleteIfUnused('g', ctx)];
  await release();
  assert.is(await first, false, 'refused: still in use when it ran');
  await release();
  assert.equal(await Promise.all(later), [true, true, true], 'one attempt after their volumes went deleted it');
  assert.is(s.calls, 2);
  assert.equal(s.usersAtCall, [3, 0]);
  // Nothing left running: the next caller gets an attempt of its own.
  const again = groups.deleteIfUnused('g', ctx);
  await release();
  assert.is(await again, true);
  assert.is(s.calls, 3);
});

test.run();
