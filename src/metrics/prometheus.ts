/**
 * The metrics port on prom-client: one registry per driver process, scraped through
 * src/metrics/http.ts. RPC metric names and labels follow the CSI sidecars' conventions
 * (`method_name`, `grpc_status_code`) so the same dashboards read both.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConditionView, LinstorMetrics, Metrics, NodeStageMetrics, RpcMetrics, StageOutcome, VolumeConditionReason, VolumeHealthMetrics } from './port.js';

/** Seconds: from a cached Probe (sub-millisecond) to a CreateVolume waiting on a slow LINSTOR. */
const RPC_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const LINSTOR_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
}

type Registers = Registry[];
const seconds = (startNs: bigint): number => Number(process.hrtime.bigint() - startNs) / 1e9;

function rpcMetrics(registers: Registers): RpcMetrics {
  const labelNames = ['method_name', 'grpc_status_code'];
  const total = new Counter({ name: 'csi_operations_total', help: 'CSI RPCs handled, by method and gRPC status code', labelNames, registers });
  const duration = new Histogram({ name: 'csi_operation_duration_seconds', help: 'Duration of CSI RPCs, by method and gRPC status code', labelNames, buckets: RPC_BUCKETS, registers });
  const inFlight = new Gauge({ name: 'csi_operations_in_flight', help: 'CSI RPCs being handled now, by method', labelNames: ['method_name'], registers });
  return {
    rpcStarted(method) {
      const t0 = process.hrtime.bigint();
      inFlight.inc({ method_name: method });
      return (code) => {
        inFlight.dec({ method_name: method });
        const labels = { method_name: method, grpc_status_code: code };
        total.inc(labels);
        duration.observe(labels, seconds(t0));
      };
    },
  };
}

function linstorMetrics(registers: Registers): LinstorMetrics {
  const labelNames = ['method', 'route', 'status'];
  const total = new Counter({
    name: 'linstor_csi_linstor_requests_total',
    help: 'HTTP requests to LINSTOR (each attempt), by method, route template and status ("error": no answer)',
    labelNames,
    registers,
  });
  const duration = new Histogram({
    name: 'linstor_csi_linstor_request_duration_seconds',
    help: 'Latency of HTTP requests to LINSTOR, by method, route template and status',
    labelNames,
    buckets: LINSTOR_BUCKETS,
    registers,
  });
  const inFlight = new Gauge({ name: 'linstor_csi_linstor_requests_in_flight', help: 'HTTP requests to LINSTOR waiting for their answer', registers });
  return {
    linstorRequestStarted(method, route) {
      const t0 = process.hrtime.bigint();
      inFlight.inc();
      return (status) => {
        inFlight.dec();
        const labels = { method, route, status: String(status) };
        total.inc(labels);
        duration.observe(labels, seconds(t0));
      };
    },
  };
}

/** Conditions per volume are kept (bounded by the volumes that exist); the gauge counts them when scraped. */
function volumeHealthMetrics(registers: Registers): VolumeHealthMetrics {
  const conditions: Record<ConditionView, Map<string, readonly VolumeConditionReason[]>> = { controller: new Map(), node: new Map() };
  new Gauge({
    name: 'linstor_csi_volumes_abnormal',
    help: 'Volumes whose last reported condition is abnormal, by reason and by who judged it (controller: LINSTOR\'s view; node: this host\'s)',
    labelNames: ['view', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const view of ['controller', 'node'] as const) {
        const counts = new Map<VolumeConditionReason, number>();
        for (const reasons of conditions[view].values()) for (const r of new Set(reasons)) counts.set(r, (counts.get(r) ?? 0) + 1);
        for (const [reason, n] of counts) this.set({ view, reason }, n);
      }
    },
  });
  return {
    replaceVolumeConditions(view, all) {
      conditions[view] = new Map(all);
    },
    setVolumeCondition(view, volumeId, reasons) {
      conditions[view].set(volumeId, reasons);
    },
    forgetVolume(view, volumeId) {
      conditions[view].delete(volumeId);
    },
  };
}

function stageMetrics(registers: Registers): NodeStageMetrics {
  const stages = new Counter({
    name: 'linstor_csi_node_stage_total',
    help: 'NodeStageVolume blank-check outcomes for filesystem volumes: formatted (proven new), mounted_existing, refused',
    labelNames: ['outcome'],
    registers,
  });
  return { stageOutcome: (outcome: StageOutcome) => stages.inc({ outcome }) };
}

export function createPrometheusMetrics(info: { version: string; mode: string }): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({ name: 'linstor_csi_build_info', help: 'Driver version and mode (always 1)', labelNames: ['version', 'mode', 'node_version'], registers })
    .set({ version: info.version, mode: info.mode, node_version: process.version }, 1);
  return {
    registry,
    ...rpcMetrics(registers),
    ...linstorMetrics(registers),
    ...volumeHealthMetrics(registers),
    ...stageMetrics(registers),
  };
}
