import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HiddenVolumes } from '../../src/controller-service/hidden-volumes.js';
import type { LinstorClient } from '../../src/linstor/client.js';
import type { ResourceDefinition } from '../../src/linstor/types.js';
import type { Clock } from '../../src/util/clock.js';

const MARK = 'Aux/csi-provisioning-completed-by';
const live = (name: string): ResourceDefinition => ({ name, props: { [MARK]: 'x' }, volume_definitions: [{ volume_number: 0, size_kib: 1 }] }) as ResourceDefinition;
const hidden = (name: string): ResourceDefinition => ({ name, props: { [MARK]: 'x', 'Aux/csi-volume-deleted': 'true' } }) as ResourceDefinition;
const emptied = (name: string): ResourceDefinition => ({ name, props: { [MARK]: 'x' }, volume_definitions: [] }) as ResourceDefinition;

function rig(rds: ResourceDefinition[]) {
  const st = { rds, reads: 0, fail: false };
  const linstor = {
    resourceDefinitions: {
      list: async () => {
        st.reads++;
        if (st.fail) throw new Error('unreachable');
        return st.rds;
      },
    },
  } as unknown as LinstorClient;
  const clock = { t: 0, now: () => clock.t, sleep: async () => undefined };
  return { st, clock, hv: new HiddenVolumes({ linstor, clock: clock as unknown as Clock }, 1000) };
}
const ctx = { signal: new AbortController().signal };

test('hidden and Go-emptied volumes are known from one read; live ones are not', async () => {
  const { st, hv } = rig([live('pvc-a'), hidden('pvc-h'), emptied('pvc-go')]);
  assert.is(await hv.mayBeHidden('pvc-a', ctx), false);
  assert.is(await hv.mayBeHidden('PVC-H', ctx), true);
  assert.is(await hv.mayBeHidden('pvc-go', ctx), true);
  assert.is(st.reads, 1);
});

test("the driver's own hiding counts at once, whatever a read says, until the volume is removed", async () => {
  const { st, hv } = rig([live('pvc-a')]);
  assert.is(await hv.mayBeHidden('pvc-a', ctx), false);
  hv.hiding('pvc-a');
  assert.is(await hv.mayBeHidden('pvc-a', ctx), true);
  hv.removed('pvc-a');
  st.rds = [];
  assert.is(await hv.mayBeHidden('pvc-a', ctx), false);
});

test('the list is read again once too old; unreadable means "may be hidden"', async () => {
  const { st, clock, hv } = rig([live('pvc-a')]);
  await hv.mayBeHidden('pvc-a', ctx);
  st.rds = [hidden('pvc-a')];
  clock.t = 999;
  assert.is(await hv.mayBeHidden('pvc-a', ctx), false, 'within the max age');
  clock.t = 1000;
  assert.is(await hv.mayBeHidden('pvc-a', ctx), true, 'read again');
  clock.t = 5000;
  st.fail = true;
  assert.is(await hv.mayBeHidden('pvc-b', ctx), true);
});

test.run();
