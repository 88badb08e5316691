default: {{ .Values.missing | default "dflt" }} {{ .Values.name | default "dflt" }}
empty: {{ empty .Values.empty }} {{ empty .Values.name }}
coalesce: {{ coalesce .Values.empty .Values.missing "third" }}
ternary: {{ ternary "yes" "no" .Values.enabled }}
all: {{ all 1 "a" true }} any: {{ any 0 "" "x" }}
quote: {{ quote .Values.name }} {{ squote .Values.name }}
case: {{ upper "abc" }} {{ lower "ABC" }} {{ title "hello world" }} {{ untitle "Hello World" }}
trim: [{{ trim "  x  " }}] [{{ trimAll "-" "--x--" }}] [{{ trimPrefix "v" "v1.2" }}] [{{ trimSuffix ".yaml" "a.yaml" }}]
replace: {{ replace "-" "_" "a-b-c" }}
contains: {{ contains "api" .Values.name }} {{ hasPrefix "shop" .Values.name }} {{ hasSuffix "api" .Values.name }}
indent: [{{ indent 2 "a\nb" }}]
nindent: [{{ nindent 2 "a" }}]
trunc: {{ trunc 4 .Values.name }} {{ trunc -3 .Values.name }}
abbrev: {{ abbrev 6 "abcdefghij" }}
substr: {{ substr 0 4 .Values.name }}
repeat: {{ repeat 3 "ab" }}
nospace: {{ nospace "a b c" }}
cat: {{ cat "a" "b" 3 }}
join: {{ join "," .Values.ports }}
split: {{ (split "," .Values.csv)._1 }} {{ splitList "," .Values.csv }} {{ (splitn "," 2 .Values.csv)._1 }}
toString: {{ toString 42 | quote }} {{ toStrings .Values.ports }}
cases: {{ kebabcase "FirstName" }} {{ snakecase "FirstName" }} {{ camelcase "http_server" }}
wrap: {{ wrap 80 "short" }}
plural: {{ plural "one" "many" 2 }}
regex: {{ regexMatch "^shop-" .Values.name }} {{ regexFind "[0-9]+" "abc123def" }} {{ regexFindAll "[a-c]" "abcabc" 2 }}
regexReplace: {{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }} {{ regexReplaceAllLiteral "a(x*)b" "-ab-" "${1}" }} {{ regexSplit "," "a,b" -1 }}
base64: {{ b64enc "hunter2" }} {{ b64dec "aHVudGVyMg==" }}
sums: {{ sha256sum "x" }} {{ adler32sum "Wikipedia" }}
random: {{ randAlphaNum 5 }} {{ randAlpha 2 }} {{ randNumeric 3 }} {{ randAscii 1 }} {{ uuidv4 }}
time: {{ now }} {{ date "2006-01-02T15:04" now }} {{ dateInZone "2006" now "UTC" }} {{ htmlDate now }}
