{{- define "shop.labels" -}}
app: {{ .Values.name }}
tier: backend
{{- end -}}
{{- define "shop.fullname" -}}
{{ printf "%s-%s" "release" .Values.name | trunc 63 | trimSuffix "-" }}
{{- end -}}
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
  template: {{ template "shop.fullname" . }}
spec:
  rendered: {{ tpl .Values.template . }}
  inline: {{ tpl "{{ .Values.replicas }} replicas" . }}
  block: {{ block "shop.block" . }}default-block{{ end }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
