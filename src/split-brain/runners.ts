/**
 * Where the drbdadm steps run: on this node (`--node NAME`, drbdadm from PATH), or in the node
 * plugin pod of each node through the Kubernetes API's exec (pods/exec), which is how an
 * operator with kubectl access reaches every node at once.
 */
import { Writable } from 'node:stream';
import { execa } from 'execa';
import type { StepResult, StepRunner } from './resolve.js';

const STEP_TIMEOUT_MS = 60_000;

export class LocalRunner implements StepRunner {
  constructor(
    private readonly node: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}
  canRun(node: string): boolean {
    return node.toLowerCase() === this.node.toLowerCase();
  }
  async run(_node: string, argv: string[]): Promise<StepResult> {
    const r = await execa('drbdadm', argv, { reject: false, timeout: STEP_TIMEOUT_MS, env: this.env, stdin: 'ignore' });
    const failedToRun = r.exitCode === undefined;
    return { code: r.exitCode ?? 127, stdout: String(r.stdout ?? ''), stderr: failedToRun ? (r.message ?? 'drbdadm did not run') : String(r.stderr ?? '') };
  }
  describe(): string {
    return `--node ${this.node} runs drbdadm on this machine only; run the same command with --node NAME on each other node`;
  }
}

/** The part of @kubernetes/client-node this runner uses (so it can be exercised without a kubelet). */
export interface PodExec {
  /** The node plugin pod on a node, or undefined. */
  findPod(node: string): Promise<string | undefined>;
  exec(pod: string, command: string[], stdout: Writable, stderr: Writable): Promise<{ status: string; exitCode: number }>;
}

export class KubeExecRunner implements StepRunner {
  constructor(
    private readonly pods: PodExec,
    private readonly where: string,
  ) {}
  canRun(): boolean {
    return true;
  }
  async run(node: string, argv: string[]): Promise<StepResult> {
    const pod = await this.pods.findPod(node);
    if (!pod) return { code: 127, stdout: '', stderr: `no running node plugin pod on node ${node} (${this.where})` };
    let out = '';
    let err = '';
    const sink = (add: (s: string) => void): Writable => new Writable({ write: (chunk: Buffer, _e, cb) => (add(chunk.toString()), cb()) });
    const r = await this.pods.exec(pod, ['drbdadm', ...argv], sink((s) => (out += s)), sink((s) => (err += s)));
    return { code: r.exitCode, stdout: out, stderr: err };
  }
  describe(): string {
    return `through the node plugin pods (${this.where})`;
  }
}

/** PodExec over the Kubernetes API: pods by label on the node, exec with the exit code from the status channel. */
export async function kubePodExec(opts: { namespace: string; selector: string; container: string }): Promise<PodExec> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const exec = new k8s.Exec(kc);
  return {
    async findPod(node) {
      const list = await core.listNamespacedPod({ namespace: opts.namespace, labelSelector: opts.selector, fieldSelector: `spec.nodeName=${node}` });
      return list.items.find((p) => p.status?.phase === 'Running')?.metadata?.name;
    },
    exec(pod, command, stdout, stderr) {
      return new Promise((resolve, reject) => {
        exec
          .exec(opts.namespace, pod, opts.container, command, stdout, stderr, null, false, (st) => {
            // Failure carries the exit code as a cause {reason: "ExitCode", message: "11"}.
            const code = st.status === 'Success' ? 0 : Number(st.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? 1);
            resolve({ status: st.status ?? 'Unknown', exitCode: Number.isFinite(code) ? code : 1 });
          })
          // A stream closed without a status is not a success we could vouch for.
          .then((ws) => ws.on('close', () => resolve({ status: 'ClosedWithoutStatus', exitCode: 1 })))
          .catch(reject);
      });
    },
  };
}
