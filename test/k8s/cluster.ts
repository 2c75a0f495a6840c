/**
 * A real Kubernetes control plane on loopback for tests: etcd, kube-apiserver (generated
 * certificates, RBAC authorization) and kube-controller-manager, built by
 * scripts/install-k8s-tools.sh and run from .tools/bin in a temp dir on ephemeral ports, so
 * several runs on one machine never meet. No kubelet and no scheduler: tests play their parts.
 *
 *   const cluster = await startCluster();
 *   cluster.kc                              // @kubernetes/client-node KubeConfig, cluster-admin
 *   await cluster.kubeconfigFor('ns', 'sa') // a kubeconfig file authenticating as that ServiceAccount
 *   await cluster.stop();
 */
import { KubeConfig } from '@kubernetes/client-node';
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const TOOLS = join(ROOT, '.tools', 'bin');
export const SNAPSHOT_CRDS = join(ROOT, '.tools', 'crds', 'snapshot');

/** Path of a tool built by scripts/install-k8s-tools.sh; a clear error when it is missing. */
export function tool(name: string): string {
  const p = join(TOOLS, name);
  if (!existsSync(p)) throw new Error(`${p} is missing: run scripts/setup.sh --test-tools (it builds ${name} into the tool cache)`);
  return p;
}

/** A free TCP port on 127.0.0.1 (closed again before use; the window is tiny). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

// Children still running when this process exits (a test crashed past its cleanup) go with it.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** Starts a long-running program with its output in `<dir>/logs/<name>.log`. */
export async function startProc(dir: string, name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  await mkdir(join(dir, 'logs'), { recursive: true });
  const logFile = join(dir, 'logs', `${name}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  let code: number | null | undefined;
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (c, sig) => {
      running.delete(child);
      resolve((code = c ?? (sig ? 128 : null)));
    }),
  );
  return {
    name,
    child,
    logFile,
    exited,
    async stop(graceMs = 10_000) {
      if (code === undefined) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
      out.end();
    },
  };
}

/** The last lines of a log file, for failure messages. */
export async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await execa('openssl', args, { cwd, timeout: 60_000 });
}

/** A CA, the API server's serving certificate and client certificates, with openssl. */
async function makeCerts(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=linstor-csi-test-ca'], dir);
  const sign = async (name: string, subj: string, ext: string): Promise<void> => {
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj], dir);
    await writeFile(join(dir, `${name}.ext`), ext);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], dir);
  };
  await sign('apiserver', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n');
  await sign('admin', '/O=system:masters/CN=test-admin', 'extendedKeyUsage=clientAuth\n');
  await sign('controller-manager', '/CN=system:kube-controller-manager', 'extendedKeyUsage=clientAuth\n');
  // The ServiceAccount token signing key pair.
  await openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  await openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

function kubeconfigYaml(server: string, caFile: string, user: { cert?: string; key?: string; token?: string }): string {
  const auth = user.token ? `    token: ${user.token}\n` : `    client-certificate: ${user.cert}\n    client-key: ${user.key}\n`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority: ${caFile}`,
    'users:',
    '- name: user',
    '  user:',
    auth.trimEnd(),
    'contexts:',
    '- name: test',
    '  context: {cluster: test, user: user}',
    'current-context: test',
    '',
  ].join('\n');
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, proc?: Proc): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  proc?.exited.then(() => (exited = true));
  for (;;) {
    if (await check().catch(() => false)) return;
    if (exited) throw new Error(`${proc?.name} exited while waiting for ${what}:\n${await tail(proc?.logFile ?? '')}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${proc ? `:\n${await tail(proc.logFile)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** GET `path` on the API server with the admin certificate; resolves with the status and body. */
function apiGet(server: string, certs: string, path: string): Promise<{ status: number; body: string }> {
  return Promise.all([readFile(join(certs, 'ca.crt')), readFile(join(certs, 'admin.crt')), readFile(join(certs, 'admin.key'))]).then(
    ([ca, cert, key]) =>
      new Promise((resolve, reject) => {
        const req = request(`${server}${path}`, { ca, cert, key, timeout: 5000 }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.end();
      }),
  );
}

export interface Cluster {
  dir: string;
  server: string;
  /** cluster-admin (system:masters) kubeconfig file. */
  kubeconfig: string;
  kc: KubeConfig;
  procs: Proc[];
  /** A kubeconfig file authenticating with a fresh token of ServiceAccount `ns/name` (TokenRequest). */
  kubeconfigFor(ns: string, name: string): Promise<string>;
  /** kubectl with the admin kubeconfig. */
  kubectl(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Parent directory; a fresh temp dir by default. */
  dir?: string;
  /** Extra kube-apiserver / kube-controller-manager flags. */
  apiserverArgs?: string[];
  controllerManagerArgs?: string[];
}

/** Starts etcd, kube-apiserver and kube-controller-manager; stops what started if a later step fails. */
export async function startCluster(o: ClusterOptions = {}): Promise<Cluster> {
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'lcsi-k8s-')));
  const certs = join(dir, 'pki');
  const procs: Proc[] = [];
  const stop = async (): Promise<void> => {
    for (const p of [...procs].reverse()) await p.stop().catch(() => undefined);
    procs.length = 0;
  };
  try {
    const [, etcdClient, etcdPeer, apiPort] = await Promise.all([makeCerts(certs), freePort(), freePort(), freePort()]);
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcd = await startProc(dir, 'etcd', tool('etcd'), [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    procs.push(etcd);
    await waitFor('etcd', async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000, etcd);

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = await startProc(dir, 'kube-apiserver', tool('kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // Loopback cannot be the kubernetes Service's endpoint; nothing here needs that Service.
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${join(certs, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(certs, 'apiserver.key')}`,
      `--client-ca-file=${join(certs, 'ca.crt')}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${join(certs, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(certs, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/24',
      '--allow-privileged=true',
      '--profiling=false',
      ...(o.apiserverArgs ?? []),
    ]);
    procs.push(apiserver);
    await waitFor('kube-apiserver /readyz', async () => (await apiGet(server, certs, '/readyz')).status === 200, 120_000, apiserver);

    const kubeconfig = join(dir, 'admin.kubeconfig');
    await writeFile(kubeconfig, kubeconfigYaml(server, join(certs, 'ca.crt'), { cert: join(certs, 'admin.crt'), key: join(certs, 'admin.key') }));
    const cmConfig = join(dir, 'controller-manager.kubeconfig');
    await writeFile(cmConfig, kubeconfigYaml(server, join(certs, 'ca.crt'), { cert: join(certs, 'controller-manager.crt'), key: join(certs, 'controller-manager.key') }));
    const cm = await startProc(dir, 'kube-controller-manager', tool('kube-controller-manager'), [
      `--kubeconfig=${cmConfig}`,
      `--authentication-kubeconfig=${cmConfig}`,
      `--authorization-kubeconfig=${cmConfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
      '--leader-elect=false',
      '--use-service-account-credentials=true',
      `--root-ca-file=${join(certs, 'ca.crt')}`,
      `--service-account-private-key-file=${join(certs, 'sa.key')}`,
      // No kubelets here: the node lifecycle controller would only taint the Node objects the
      // tests create, and the tests play the attach-detach controller themselves.
      '--controllers=*,-node-lifecycle-controller,-taint-eviction-controller,-persistentvolume-attach-detach-controller,-node-ipam-controller',
      ...(o.controllerManagerArgs ?? []),
    ]);
    procs.push(cm);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    // Its root-CA publisher writes this ConfigMap into every namespace once its controllers run.
    await waitFor('kube-controller-manager', async () => (await apiGet(server, certs, '/api/v1/namespaces/default/configmaps/kube-root-ca.crt')).status === 200, 90_000, cm);

    const kubectl = async (args: string[], input?: string): Promise<string> =>
      (await execa(tool('kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], { timeout: 120_000, ...(input !== undefined ? { input } : {}) })).stdout;
    let tokens = 0;
    return {
      dir,
      server,
      kubeconfig,
      kc,
      procs,
      kubectl,
      async kubeconfigFor(ns, name) {
        const token = (await kubectl(['create', 'token', name, '-n', ns, '--duration=2h'])).trim();
        const file = join(dir, `sa-${ns}-${name}-${++tokens}.kubeconfig`);
        await writeFile(file, kubeconfigYaml(server, join(certs, 'ca.crt'), { token }), { mode: 0o600 });
        return file;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Removes the cluster's temp dir (after stop()). */
export async function removeClusterDir(c: Pick<Cluster, 'dir'>): Promise<void> {
  await rm(c.dir, { recursive: true, force: true });
}
