{{- /* conditionals, else if, with, range over lists, maps and ints, variables, trimming */ -}}
if: {{ if .Values.enabled }}on{{ else }}off{{ end }}
elseif: {{ if .Values.disabled }}a{{ else if .Values.empty }}b{{ else if eq .Values.replicas 3 }}c{{ else }}d{{ end }}
with: {{ with .Values.image }}{{ .repository }}:{{ .tag }}{{ end }}
withelse: {{ with .Values.missing }}set{{ else }}unset{{ end }}
elsewith: {{ with .Values.missing }}m{{ else with .Values.name }}{{ . }}{{ end }}
{{- $root := . }}
env:
{{- range $key, $value := .Values.env }}
  - name: {{ $key }}
    value: {{ $value | quote }}
{{- end }}
ports:
{{- range .Values.ports }}
  - {{ . }}
{{- end }}
indexed: {{ range $i, $h := .Values.hosts }}{{ $i }}={{ $h.name }} {{ end }}
rangeelse: {{ range .Values.none }}x{{ else }}none{{ end }}
rangeint: {{ range 3 }}{{ . }}{{ end }}
loop: {{ range .Values.ports }}{{ if eq . 9090 }}{{ break }}{{ end }}{{ . }} {{ end }}
skip: {{ range .Values.hosts }}{{ if not .tls }}{{ continue }}{{ end }}{{ .name }}{{ end }}
{{- $count := 0 }}
{{- range .Values.ports }}{{ $count = add $count 1 }}{{ end }}
assigned: {{ $count }}
rootvar: {{ $root.Values.name }} {{ $.Values.name }}
trim: "  {{- "x" -}}  "
keep: "  {{ "x" }}  "
comment: {{/* dropped */}}kept
paren: {{ (index .Values.hosts 1).name }}
