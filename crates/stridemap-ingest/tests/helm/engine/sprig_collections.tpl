int: {{ int "42" }} {{ int64 3.9 }} {{ float64 "1.5" }} {{ atoi "7" }}
math: {{ add 1 2 3 }} {{ add1 4 }} {{ sub 10 4 }} {{ mul 2 3 }} {{ div 10 3 }} {{ mod 10 3 }} {{ max 1 5 3 }} {{ min 4 2 }}
round: {{ floor 1.7 }} {{ ceil 1.2 }} {{ round 1.256 2 }}
seqs: {{ until 3 }} {{ untilStep 0 10 4 }} {{ seq 3 }}
list: {{ list 1 "a" }} {{ first .Values.ports }} {{ last .Values.ports }} {{ rest .Values.ports }} {{ initial .Values.ports }}
grow: {{ append .Values.ports 1 }} {{ mustAppend .Values.ports 2 }} {{ prepend .Values.ports 0 }} {{ concat .Values.ports (list 1) }}
sets: {{ uniq (list 1 1 2) }} {{ has 8080 .Values.ports }} {{ without .Values.ports 8080 }} {{ compact (list "" "a" 0 1) }}
order: {{ reverse .Values.ports }} {{ sortAlpha (list "b" "a") }}
{{- $d := dict "a" 1 "b" 2 }}
dict: {{ $d }} {{ get $d "a" }} {{ set $d "c" 3 }} {{ unset $d "a" }} {{ hasKey $d "b" }}
keys: {{ keys $d }} {{ values $d }} {{ pluck "a" $d (dict "a" 9) }}
pick: {{ pick $d "a" }} {{ omit $d "a" }}
merge: {{ merge (dict "a" 1) (dict "a" 2 "b" 3) }} {{ mergeOverwrite (dict "a" 1) (dict "a" 2) }} {{ deepCopy $d }}
dig: {{ dig "image" "tag" "none" .Values }} {{ dig "image" "nope" "none" .Values }}
types: {{ typeOf .Values.name }} {{ kindOf .Values.ports }} {{ kindIs "map" .Values.env }} {{ typeIs "bool" .Values.enabled }}
semver: {{ semverCompare ">=1.19-0" "v1.29.0" }} {{ (semver "1.2.3").Minor }}
