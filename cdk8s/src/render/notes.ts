/** NOTES.txt shown after install/upgrade. */
export function notesTxt(): string {
  return `KryptoVault {{ .Chart.AppVersion }} is deployed as release "{{ .Release.Name }}" in namespace "{{ .Release.Namespace }}".
{{- $fullname := include "kryptovault.fullname" . }}

{{ if .Values.migration.enabled -}}
Migrations ran as the pre-install/pre-upgrade hook Job {{ $fullname }}-migrate (kept until the next release, for its logs).
{{- else -}}
Migrations are off (migration.enabled=false): apply them yourself; the pods report unready (/readyz) until they are applied.
{{- end }}

Secrets are read from the existing Secret "{{ include "kryptovault.secretName" . }}" (keys: {{ .Values.secrets.keys.DATABASE_URL }}, {{ .Values.secrets.keys.JWT_SECRET }}{{ with .Values.secrets.keys.BLOCKCHAIN_VERIFIER_SECRET }}, {{ . }}{{ end }}{{ with .Values.secrets.keys.SMTP_PASSWORD }}, {{ . }}{{ end }}{{ with .Values.secrets.keys.REDIS_URL }}, {{ . }}{{ end }}{{ with .Values.secrets.keys.SENTRY_DSN }}, {{ . }}{{ end }}).
{{- if .Values.migration.enabled }}
If that Secret (or its DATABASE_URL key) is missing, the migration hook's pod cannot start
(CreateContainerConfigError): the Job fails after migration.activeDeadlineSeconds ({{ .Values.migration.activeDeadlineSeconds }} s)
with DeadlineExceeded, and "helm install/upgrade" fails with it ("job {{ $fullname }}-migrate failed:
DeadlineExceeded"; "timed out" instead if your --timeout is shorter). No Deployment rolled.
Create the Secret in this namespace, then run "helm upgrade --install" with the same
arguments (it replaces the failed Job; "helm install" refuses a failed release's name:
"helm uninstall" it first):
{{- else }}
If that Secret is missing, the pods cannot start (CreateContainerConfigError) and "helm --wait"
fails at --timeout. Create the Secret in this namespace; the pods then start on their own:
{{- end }}
  kubectl -n {{ .Release.Namespace }} create secret generic {{ include "kryptovault.secretName" . }} --from-literal={{ .Values.secrets.keys.DATABASE_URL }}=... --from-literal={{ .Values.secrets.keys.JWT_SECRET }}=...
{{- if and (or .Values.monitoring.serviceMonitor.enabled .Values.monitoring.prometheusRule.enabled) (not (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1")) }}

WARNING: monitoring.serviceMonitor/prometheusRule are enabled but this cluster does not serve
monitoring.coreos.com/v1 (the Prometheus Operator CRDs), so they were not rendered. Install
the operator (or its CRDs) and upgrade, or scrape the pods' prometheus.io/* annotations.
{{- end }}

{{- if and (ne .Values.api.service.type "ClusterIP") (not .Values.api.ingress.enabled) (regexMatch "^[1-9][0-9]*$" (toString .Values.env.TRUST_PROXY)) }}

WARNING: api.service.type is {{ .Values.api.service.type }} and the chart's Ingress is off, yet
env.TRUST_PROXY={{ .Values.env.TRUST_PROXY }} trusts that many X-Forwarded-For hops: a client that reaches
the Service directly can pick its own IP (and a fresh per-IP rate-limit budget). Set
env.TRUST_PROXY to "0" when nothing is in front of the pods, or to your proxies' CIDRs.
{{- end }}

Check the rollout:
  kubectl -n {{ .Release.Namespace }} rollout status deployment/{{ $fullname }}-api
  helm test {{ .Release.Name }} -n {{ .Release.Namespace }}
{{- if .Values.api.ingress.enabled }}

API: http{{ if .Values.api.ingress.tls.enabled }}s{{ end }}://{{ .Values.api.ingress.host }}/
{{- else }}

API (port-forward):
  kubectl -n {{ .Release.Namespace }} port-forward service/{{ $fullname }}-api 8080:{{ .Values.api.service.port }}
  curl http://127.0.0.1:8080/readyz
{{- end }}

Jobs: deposit monitor "{{ .Values.depositMonitor.schedule }}"{{ if .Values.depositMonitor.suspend }} (suspended){{ end }}, earnings "{{ .Values.earnings.schedule }}"{{ if .Values.earnings.suspend }} (suspended){{ end }}, housekeeping "{{ .Values.housekeeping.schedule }}"{{ if .Values.housekeeping.suspend }} (suspended){{ end }}, email sender "{{ .Values.emailSender.schedule }}"{{ if .Values.emailSender.suspend }} (suspended){{ end }}.
Run one now: kubectl -n {{ .Release.Namespace }} create job --from=cronjob/{{ $fullname }}-deposit-monitor {{ $fullname }}-deposit-monitor-manual
`;
}
