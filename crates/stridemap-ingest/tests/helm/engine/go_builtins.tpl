and: {{ and .Values.enabled .Values.name }} {{ and .Values.disabled .Values.missing.nested }}
or: {{ or .Values.empty "fallback" }}
not: {{ not .Values.disabled }}
len: {{ len .Values.ports }} {{ len .Values.name }}
index: {{ index .Values.env "REGION" }} {{ index .Values.ports 1 }}
slice: {{ slice .Values.ports 1 }} {{ slice .Values.name 0 4 }}
print: {{ print "a" 1 2 "b" }}
printf: {{ printf "%s:%d %v %q %5.2f" .Values.name .Values.replicas .Values.enabled "q" .Values.ratio }}
println: {{ println "line" }}
eq: {{ eq .Values.name "x" "shop-api" }} ne: {{ ne .Values.replicas 2 }}
cmp: {{ lt 1 2 }} {{ le 2 2 }} {{ gt .Values.replicas 5 }} {{ ge .Values.ratio 0.25 }}
html: {{ html "<a href='x'>" }}
js: {{ js "it's \"q\"" }}
urlquery: {{ urlquery "a b&c" }}
float: {{ .Values.ratio }} {{ .Values.big }}
