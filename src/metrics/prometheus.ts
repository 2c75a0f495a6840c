/**
 * The metrics port on prom-client: one registry per driver process, scraped through
 * src/metrics/http.ts. RPC metric names and labels follow the CSI sidecars' conventions
 * (`method_name`, `grpc_status_code`) so the same dashboards read both.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConditionView, Metrics, StageOutcome, VolumeConditionReason } from './port.js';

/** Seconds: from a cached Probe (sub-millisecond) to a CreateVolume waiting on a slow LINSTOR. */
const RPC_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const LINSTOR_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
}

export function createPrometheusMetrics(info: { version: string; mode: string }): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  new Gauge({ name: 'linstor_csi_build_info', help: 'Driver version and mode (always 1)', labelNames: ['version', 'mode', 'node_version'], registers })
    .set({ version: info.version, mode: info.mode, node_version: process.version }, 1);

  const rpcTotal = new Counter({ name: 'csi_operations_total', help: 'CSI RPCs handled, by method and gRPC status code', labelNames: ['method_name', 'grpc_status_code'], registers });
  const rpcSeconds = new Histogram({
    name: 'csi_operation_duration_seconds',
    help: 'Duration of CSI RPCs, by method and gRPC status code',
    labelNames: ['method_name', 'grpc_status_code'],
    buckets: RPC_BUCKETS,
    registers,
  });
  const rpcInFlight = new Gauge({ name: 'csi_operations_in_flight', help: 'CSI RPCs being handled now, by method', labelNames: ['method_name'], registers });

  const lsTotal = new Counter({
    name: 'linstor_csi_linstor_requests_total',
    help: 'HTTP requests to LINSTOR (each attempt), by method, route template and status ("error": no answer)',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const lsSeconds = new Histogram({
    name: 'linstor_csi_linstor_request_duration_seconds',
    help: 'Latency of HTTP requests to LINSTOR, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: LINSTOR_BUCKETS,
    registers,
  });
  const lsInFlight = new Gauge({ name: 'linstor_csi_linstor_requests_in_flight', help: 'HTTP requests to LINSTOR waiting for their answer', registers });

  const stages = new Counter({
    name: 'linstor_csi_node_stage_total',
    help: 'NodeStageVolume blank-check outcomes for filesystem volumes: formatted (proven new), mounted_existing, refused',
    labelNames: ['outcome'],
    registers,
  });

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

  const seconds = (startNs: bigint): number => Number(process.hrtime.bigint() - startNs) / 1e9;
  return {
    registry,
    rpcStarted(method) {
      const t0 = process.hrtime.bigint();
      rpcInFlight.inc({ method_name: method });
      return (code) => {
        rpcInFlight.dec({ method_name: method });
        const labels = { method_name: method, grpc_status_code: code };
        rpcTotal.inc(labels);
        rpcSeconds.observe(labels, seconds(t0));
      };
    },
    linstorRequestStarted(method, route) {
      const t0 = process.hrtime.bigint();
      lsInFlight.inc();
      return (status) => {
        lsInFlight.dec();
        const labels = { method, route, status: String(status) };
        lsTotal.inc(labels);
        lsSeconds.observe(labels, seconds(t0));
      };
    },
    replaceVolumeConditions(view, all) {
      conditions[view] = new Map(all);
    },
    setVolumeCondition(view, volumeId, reasons) {
      conditions[view].set(volumeId, reasons);
    },
    forgetVolume(view, volumeId) {
      conditions[view].delete(volumeId);
    },
    stageOutcome(outcome: StageOutcome) {
      stages.inc({ outcome });
    },
  };
}
