required: {{ required "name is required" .Values.name }}
toYaml: {{ toYaml .Values.hosts | nindent 2 }}
fromYaml: {{ (fromYaml .Values.yamlDoc).spec.hostNetwork }}
fromYamlArray: {{ fromYamlArray "- a\n- b" }}
toJson: {{ toJson .Values.securityContext }}
toPrettyJson: {{ toPrettyJson .Values.securityContext | nindent 2 }}
fromJson: {{ (fromJson .Values.jsonDoc).b.c }}
fromJsonArray: {{ fromJsonArray "[1, 2]" }}
lookup: {{ lookup "v1" "Secret" "default" "x" }}
failGuard: {{ if false }}{{ fail "never" }}{{ end }}ok
