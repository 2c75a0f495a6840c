{{/*
A controller sidecar container (csi-provisioner, csi-attacher, csi-snapshotter, csi-resizer,
the health monitor): the socket, its own flags, leader election and API limits, its
--http-endpoint (metrics and the leader-election health check, probed for liveness as the
upstream deployments do), then the user's extraArgs last so they can override any flag.

  include "linstor-csi.controllerSidecar" (dict "ctx" $ "key" "provisioner" "name" "csi-provisioner" "port" "http-prov" "args" (list "--flag=value"))
*/}}
{{- define "linstor-csi.controllerSidecar" -}}
{{- $ctx := .ctx -}}
{{- $s := index $ctx.Values.sidecars .key -}}
{{- $c := $ctx.Values.controller -}}
- name: {{ .name }}
  image: {{ include "linstor-csi.sidecarImage" (list $ctx .key) }}
  imagePullPolicy: {{ $ctx.Values.sidecars.pullPolicy }}
  args:
    - --csi-address={{ include "linstor-csi.socketPath" $ctx }}
    - --v={{ $s.logLevel }}
    {{- range .args }}
    - {{ . }}
    {{- end }}
    - --leader-election
    - --leader-election-namespace=$(NAMESPACE)
    {{- if .tuning }}
    {{- with $c.leaderElection.leaseDuration }}
    - --leader-election-lease-duration={{ . }}
    {{- end }}
    {{- with $c.leaderElection.renewDeadline }}
    - --leader-election-renew-deadline={{ . }}
    {{- end }}
    {{- with $c.leaderElection.retryPeriod }}
    - --leader-election-retry-period={{ . }}
    {{- end }}
    {{- with $c.kubeApi.qps }}
    - --kube-api-qps={{ . }}
    {{- end }}
    {{- with $c.kubeApi.burst }}
    - --kube-api-burst={{ . }}
    {{- end }}
    {{- end }}
    - --http-endpoint=:{{ $s.httpPort }}
    {{- with $s.extraArgs }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  env:
    {{- include "linstor-csi.namespaceEnv" $ctx | nindent 4 }}
    {{- if .podName }}
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    {{- end }}
  ports:
    - name: {{ .port }}
      containerPort: {{ $s.httpPort }}
      protocol: TCP
  livenessProbe:
    httpGet:
      path: /healthz/leader-election
      port: {{ .port }}
    initialDelaySeconds: 10
    periodSeconds: 20
    timeoutSeconds: 10
    failureThreshold: 1
  {{- include "linstor-csi.sidecarSecurityContext" $ctx | nindent 2 }}
  resources:
    {{- toYaml $s.resources | nindent 4 }}
  volumeMounts:
    - name: socket-dir
      mountPath: {{ include "linstor-csi.socketDir" $ctx }}
{{- end -}}

{{/* A sidecar's verbosity and extra flags, for the sidecars without leader election: include "linstor-csi.sidecarOwnArgs" (list . "livenessProbe") */}}
{{- define "linstor-csi.sidecarOwnArgs" -}}
{{- $s := index (index . 0).Values.sidecars (index . 1) -}}
- --v={{ $s.logLevel }}
{{- with $s.extraArgs }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Whether csi-snapshotter runs, and whether with group snapshots: "true"/"" (helm templates
return strings). "auto" follows the APIs the cluster serves.
*/}}
{{- define "linstor-csi.snapshotsEnabled" -}}
{{- $v := .Values.controller.snapshots.enabled -}}
{{- if eq (toString $v) "auto" -}}
{{- if .Capabilities.APIVersions.Has "snapshot.storage.k8s.io/v1" }}true{{ end -}}
{{- else if $v }}true{{ end -}}
{{- end -}}

{{- define "linstor-csi.groupSnapshotsEnabled" -}}
{{- $v := .Values.controller.snapshots.groupSnapshots -}}
{{- if include "linstor-csi.snapshotsEnabled" . -}}
{{- if eq (toString $v) "auto" -}}
{{- $caps := .Capabilities.APIVersions -}}
{{- if or ($caps.Has "groupsnapshot.storage.k8s.io/v1") ($caps.Has "groupsnapshot.storage.k8s.io/v1beta2") ($caps.Has "groupsnapshot.storage.k8s.io/v1beta1") }}true{{ end -}}
{{- else if $v }}true{{ end -}}
{{- end -}}
{{- end -}}
