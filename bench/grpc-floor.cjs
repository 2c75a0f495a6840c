// The floor under the driver's start-up and idle memory: a bare @grpc/grpc-js server on a unix
// socket answering only Identity/Probe (empty reply, no proto loaded), on the same Node. grpc-js
// needs node:http2, which loads net, http, tls and crypto: what this costs over `node -e ''` is
// not the driver's to save. Usage: node bench/grpc-floor.cjs unix:///path.sock
'use strict';
const grpc = require('@grpc/grpc-js');
const empty = () => Buffer.alloc(0);
const service = {
  Probe: { path: '/csi.v1.Identity/Probe', requestStream: false, responseStream: false, requestSerialize: empty, requestDeserialize: empty, responseSerialize: empty, responseDeserialize: empty },
};
const server = new grpc.Server();
server.addService(service, { Probe: (_call, cb) => cb(null, {}) });
server.bindAsync(process.argv[2], grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
