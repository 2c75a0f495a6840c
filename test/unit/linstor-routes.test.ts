import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routeTemplate } from '../../src/linstor/routes.js';

test('route templates keep the API words and hide every name', () => {
  const cases: Array<[string, string]> = [
    ['/v1/resource-definitions', '/v1/resource-definitions'],
    ['/v1/resource-definitions/pvc-1b2c', '/v1/resource-definitions/{name}'],
    ['/v1/resource-definitions/pvc-1/resources/node-a/volumes/0', '/v1/resource-definitions/{name}/resources/{name}/volumes/{name}'],
    ['/v1/resource-definitions/pvc-1/snapshot-restore-resource/snap-1', '/v1/resource-definitions/{name}/snapshot-restore-resource/{name}'],
    ['/v1/resource-groups/sc-abc/spawn', '/v1/resource-groups/{name}/spawn'],
    ['/v1/nodes/node%2Fodd/storage-pools/thin', '/v1/nodes/{name}/storage-pools/{name}'],
    ['/v1/view/resources?resources=pvc-1&nodes=a', '/v1/view/resources'],
    ['/v1/controller/version', '/v1/controller/version'],
    ['/v1/actions/snapshot/multi', '/v1/actions/snapshot/multi'],
    ['/health', '{other}'],
  ];
  for (const [path, want] of cases) assert.is(routeTemplate(path), want, path);
});

test('a thousand volumes make one template', () => {
  const seen = new Set(Array.from({ length: 1000 }, (_, i) => routeTemplate(`/v1/resource-definitions/pvc-${i}/resources/node-${i % 7}`)));
  assert.equal([...seen], ['/v1/resource-definitions/{name}/resources/{name}']);
});

test.run();
