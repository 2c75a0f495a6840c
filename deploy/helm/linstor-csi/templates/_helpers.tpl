{{/* The CSI driver name: fixed, it is what the driver registers and what PVs reference. */}}
{{- define "linstor-csi.driverName" -}}linstor.csi.linbit.com{{- end -}}

{{/* Socket paths: the driver serves /csi/csi.sock in every pod; on the host it lives in the
kubelet's plugin directory for the driver. */}}
{{- define "linstor-csi.socketDir" -}}/csi{{- end -}}
{{- define "linstor-csi.socketPath" -}}/csi/csi.sock{{- end -}}
{{- define "linstor-csi.hostPluginDir" -}}{{ trimSuffix "/" .Values.kubeletDir }}/plugins/{{ include "linstor-csi.driverName" . }}{{- end -}}

{{- define "linstor-csi.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "linstor-csi.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object. Pod templates only carry the selector labels. */}}
{{- define "linstor-csi.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/name: {{ include "linstor-csi.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: linstor-csi
{{- end -}}

{{/* Selector labels of one component: include "linstor-csi.selectorLabels" (list . "controller") */}}
{{- define "linstor-csi.selectorLabels" -}}
{{- $ctx := index . 0 -}}
app.kubernetes.io/name: {{ include "linstor-csi.name" $ctx }}
app.kubernetes.io/instance: {{ $ctx.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "linstor-csi.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- $ref := printf "%s/%s:%s" .Values.image.registry .Values.image.repository $tag -}}
{{- if .Values.image.digest -}}{{ printf "%s@%s" $ref .Values.image.digest }}{{- else -}}{{ $ref }}{{- end -}}
{{- end -}}

{{/* A sidecar image: include "linstor-csi.sidecarImage" (list . "provisioner") */}}
{{- define "linstor-csi.sidecarImage" -}}
{{- $ctx := index . 0 -}}
{{- $s := index $ctx.Values.sidecars (index . 1) -}}
{{- printf "%s/%s:%s" $ctx.Values.sidecars.registry $s.repository $s.tag -}}
{{- end -}}

{{- define "linstor-csi.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Environment of the linstor-csi container: LINSTOR endpoint and credentials. */}}
{{- define "linstor-csi.linstorEnv" -}}
- name: LS_CONTROLLERS
  value: {{ .Values.linstor.endpoint | quote }}
{{- if .Values.linstor.tls.secretName }}
- name: LS_ROOT_CA
  value: /etc/linstor/client/ca.crt
- name: LS_USER_CERTIFICATE
  value: /etc/linstor/client/tls.crt
- name: LS_USER_KEY
  value: /etc/linstor/client/tls.key
{{- end }}
{{- if .Values.linstor.bearerToken.secretName }}
- name: LS_BEARER_TOKEN_FILE
  value: /etc/linstor/token/{{ .Values.linstor.bearerToken.key }}
{{- end }}
{{- end -}}

{{- define "linstor-csi.linstorVolumeMounts" -}}
{{- if .Values.linstor.tls.secretName -}}
- name: linstor-client-tls
  mountPath: /etc/linstor/client
  readOnly: true
{{- end }}
{{- if .Values.linstor.bearerToken.secretName }}
- name: linstor-token
  mountPath: /etc/linstor/token
  readOnly: true
{{- end }}
{{- end -}}

{{- define "linstor-csi.linstorVolumes" -}}
{{- if .Values.linstor.tls.secretName -}}
- name: linstor-client-tls
  secret:
    secretName: {{ .Values.linstor.tls.secretName }}
    defaultMode: 0440
{{- end }}
{{- if .Values.linstor.bearerToken.secretName }}
- name: linstor-token
  secret:
    secretName: {{ .Values.linstor.bearerToken.secretName }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{/* `linstor-csi serve` flags common to both modes. */}}
{{- define "linstor-csi.commonArgs" -}}
- --csi-endpoint=unix://{{ include "linstor-csi.socketPath" . }}
- --log-level={{ .Values.logLevel }}
- --log-format={{ .Values.logFormat }}
- --property-namespace={{ .Values.propertyNamespace }}
{{- if .Values.linstor.tls.skipVerification }}
- --linstor-skip-tls-verification
{{- end }}
{{- if .Values.linstor.requestTimeout }}
- --linstor-request-timeout={{ .Values.linstor.requestTimeout }}
{{- end }}
{{- end -}}

{{/* Leader-election flags shared by the controller sidecars. */}}
{{- define "linstor-csi.leaderElectionArgs" -}}
- --leader-election
- --leader-election-namespace=$(NAMESPACE)
{{- end -}}

{{- define "linstor-csi.namespaceEnv" -}}
- name: NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- end -}}

{{- define "linstor-csi.sidecarSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
{{- end -}}
