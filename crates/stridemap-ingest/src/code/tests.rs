//! Focused tests: `Expr` building (constants, env defaults, concatenation, templates) per
//! language, and robustness on odd input.

use super::expr::{self, brace_format, concat, printf, spring_placeholder, unescape};
use super::*;
use stridemap_model::code::{CallKind, Expr};
use stridemap_model::corpus::FileKind;

fn facts(lang: Language, path: &str, src: &str) -> CodeFacts {
    let file = SourceFile::new(path.to_string(), FileKind::Source(lang), src.to_string());
    extract(FileId(0), lang, &file)
}

/// The target of the only outbound call.
fn target(lang: Language, src: &str) -> Expr {
    let path = match lang {
        Language::Python => "a.py",
        Language::JavaScript => "a.js",
        Language::TypeScript => "a.ts",
        Language::Go => "a.go",
        Language::Java => "A.java",
    };
    let f = facts(lang, path, src);
    assert_eq!(f.calls.len(), 1, "calls: {:#?}", f.calls);
    f.calls[0].target.clone()
}

fn lit(s: &str) -> Expr {
    Expr::literal(s)
}

fn env(name: &str, default: Option<&str>) -> Expr {
    Expr::Env {
        name: name.into(),
        default: default.map(str::to_string),
    }
}

fn cat(parts: Vec<Expr>) -> Expr {
    Expr::Concat { parts }
}

#[test]
fn every_query_compiles() {
    for (g, q) in GRAMMARS.iter().zip(QUERIES.iter()) {
        assert!(q.is_some(), "query of {g:?} does not compile");
    }
}

#[test]
fn tsx_files_use_the_tsx_grammar() {
    let src = r#"
import axios from 'axios';
export function Orders() {
  const load = () => axios.get('/api/orders', { timeout: 1000 });
  return <button onClick={load}>Load</button>;
}
"#;
    let f = facts(Language::TypeScript, "Orders.tsx", src);
    assert_eq!(f.calls.len(), 1);
    assert_eq!(f.calls[0].target, lit("/api/orders"));
}

// ----- language-independent builders -----------------------------------------------------------

#[test]
fn concat_merges_literals_and_flattens() {
    let e = concat(vec![
        lit("http://"),
        lit(""),
        concat(vec![lit("a"), env("X", None)]),
        lit("/b"),
        lit("/c"),
    ]);
    assert_eq!(e, cat(vec![lit("http://a"), env("X", None), lit("/b/c")]));
    assert_eq!(concat(vec![lit("a"), lit("b")]), lit("ab"));
    assert_eq!(concat(vec![]), lit(""));
    assert_eq!(concat(vec![env("X", None)]), env("X", None));
}

#[test]
fn printf_templates() {
    let e = printf("%s/orders/%05d?x=%%", &[env("BASE", None), lit("7")]);
    assert_eq!(e, cat(vec![env("BASE", None), lit("/orders/7?x=%")]));
    // Explicit indexes (Go `%[2]s`, Java `%2$s`) and a missing argument.
    assert_eq!(printf("%[2]s-%[1]s", &[lit("a"), lit("b")]), lit("b-a"));
    assert_eq!(printf("%2$s-%1$s", &[lit("a"), lit("b")]), lit("b-a"));
    assert_eq!(
        printf("%s:%d", &[lit("h")]),
        cat(vec![lit("h:"), Expr::unknown("%d")])
    );
}

#[test]
fn brace_format_templates() {
    let named = vec![("port".to_string(), lit("8080"))];
    assert_eq!(
        brace_format("http://{}:{port}/{0}{{x}}", &[lit("h")], &named),
        lit("http://h:8080/h{x}")
    );
    assert_eq!(brace_format("{a.b}", &[], &[]), Expr::unknown("{a.b}"));
}

#[test]
fn spring_placeholders_become_env_reads() {
    assert_eq!(
        spring_placeholder("${orders.base-url:http://orders:8080}"),
        Some(env("ORDERS_BASEURL", Some("http://orders:8080")))
    );
    assert_eq!(
        spring_placeholder("${ORDERS_URL}/api"),
        Some(cat(vec![env("ORDERS_URL", None), lit("/api")]))
    );
    assert_eq!(spring_placeholder("${a:${B:x}}"), Some(env("A", Some("x"))));
    assert_eq!(spring_placeholder("no placeholder"), None);
}

#[test]
fn escapes_and_helpers() {
    assert_eq!(unescape(r"a\tb\\c\u0041\x42\u{43}"), "a\tb\\cABC");
    assert_eq!(unescape(r"trailing\"), "trailing\\");
    assert!(expr::looks_like_env_name("ORDERS_URL_2"));
    assert!(!expr::looks_like_env_name("ordersUrl"));
    assert!(expr::is_env_helper("getEnv"));
    assert!(expr::is_env_helper("get_env_or_default"));
    assert!(!expr::is_env_helper("getenvironmentstuff"));
    assert_eq!(join_path("/api/", "/x"), "/api/x");
    assert_eq!(join_path("", ""), "/");
    assert_eq!(join_path("api", ""), "/api");
    assert!(is_auth_name("login_required"));
    assert!(is_auth_name("passport.authenticate"));
    assert!(!is_auth_name("getOrders"));
}

// ----- Python ----------------------------------------------------------------------------------

#[test]
fn python_constants_env_defaults_and_fstrings() {
    let src = r#"
import os, requests
BASE = os.environ.get("ORDERS_URL", "http://orders:8080")
PREFIX = "/api" + "/v1"
def f(order_id):
    url = f"{BASE}{PREFIX}/orders/{order_id}"
    return requests.get(url, timeout=3)
"#;
    assert_eq!(
        target(Language::Python, src),
        cat(vec![
            env("ORDERS_URL", Some("http://orders:8080")),
            lit("/api/v1/orders/"),
            Expr::unknown("order_id"),
        ])
    );
}

#[test]
fn python_format_percent_and_or_default() {
    let src = r#"
import os, requests
HOST = os.getenv("PAY_HOST") or "payments"
requests.post("http://%s:%d/charge" % (HOST, 9000))
"#;
    assert_eq!(
        target(Language::Python, src),
        cat(vec![
            lit("http://"),
            env("PAY_HOST", Some("payments")),
            lit(":9000/charge"),
        ])
    );
    let src = r#"
import os, requests
requests.get("{}/x/{id}".format(os.environ["A"], id=5))
"#;
    assert_eq!(
        target(Language::Python, src),
        cat(vec![env("A", None), lit("/x/5")])
    );
}

#[test]
fn python_parameters_shadow_module_constants() {
    let src = r#"
import requests
url = "http://module"
def f(url):
    requests.get(url)
"#;
    assert_eq!(target(Language::Python, src), Expr::unknown("url"));
}

#[test]
fn python_timeout_flags() {
    let f = facts(
        Language::Python,
        "a.py",
        "import requests\nrequests.get('http://a')\nrequests.get('http://a', timeout=None)\nrequests.get('http://a', timeout=2)\nrequests.get('http://a', **kw)\n",
    );
    let t: Vec<Option<bool>> = f.calls.iter().map(|c| c.has_timeout).collect();
    assert_eq!(t, vec![Some(false), Some(false), Some(true), None]);
}

// ----- JavaScript / TypeScript -------------------------------------------------------------------

#[test]
fn js_env_defaults_templates_and_constants() {
    let src = r#"
const axios = require('axios');
const HOST = process.env.USERS_HOST || 'users';
const PORT = process.env['USERS_PORT'] ?? 8080;
const BASE = `http://${HOST}:${PORT}`;
axios.get(BASE + '/users/' + id);
"#;
    assert_eq!(
        target(Language::JavaScript, src),
        cat(vec![
            lit("http://"),
            env("USERS_HOST", Some("users")),
            lit(":"),
            env("USERS_PORT", Some("8080")),
            lit("/users/"),
            Expr::unknown("id"),
        ])
    );
}

#[test]
fn js_destructured_env_and_object_config() {
    let src = r#"
const { API_URL = "http://api:3000" } = process.env;
const cfg = { svc: { url: API_URL } };
fetch(`${cfg.svc.url}/ping`);
"#;
    assert_eq!(
        target(Language::JavaScript, src),
        cat(vec![env("API_URL", Some("http://api:3000")), lit("/ping")])
    );
}

#[test]
fn ts_assertions_and_class_fields() {
    let src = r#"
import axios from 'axios';
export class C {
  private base = process.env.BASE as string;
  run(id: string) { return axios.delete(`${this.base}/x/${id}`, { timeout: 5 }); }
}
"#;
    let f = facts(Language::TypeScript, "c.ts", src);
    assert_eq!(f.calls.len(), 1);
    assert_eq!(
        f.calls[0].target,
        cat(vec![env("BASE", None), lit("/x/"), Expr::unknown("id")])
    );
    assert_eq!(f.calls[0].has_timeout, Some(true));
    assert_eq!(f.calls[0].method.as_deref(), Some("DELETE"));
}

// ----- Go ----------------------------------------------------------------------------------------

#[test]
fn go_constants_sprintf_and_env() {
    let src = r#"
package main
import (
	"fmt"
	"net/http"
	"os"
)
const path = "/v1/" + "items"
var host = os.Getenv("ITEMS_HOST")
func f(id int) {
	url := fmt.Sprintf("http://%s:%d%s/%d", host, 8080, path, id)
	http.Get(url)
}
"#;
    assert_eq!(
        target(Language::Go, src),
        cat(vec![
            lit("http://"),
            env("ITEMS_HOST", None),
            lit(":8080/v1/items/"),
            Expr::unknown("id"),
        ])
    );
}

#[test]
fn go_env_helper_and_client_timeout() {
    let src = r#"
package main
import (
	"net/http"
	"time"
)
func main() {
	c := &http.Client{Timeout: 2 * time.Second}
	c.Get(envOr("API", "http://api") + "/x")
}
"#;
    let f = facts(Language::Go, "m.go", src);
    assert_eq!(f.calls.len(), 1);
    assert_eq!(
        f.calls[0].target,
        cat(vec![env("API", Some("http://api")), lit("/x")])
    );
    assert_eq!(f.calls[0].has_timeout, Some(true));
    assert_eq!(f.calls[0].kind, CallKind::Http);
}

// ----- Java --------------------------------------------------------------------------------------

#[test]
fn java_static_finals_format_and_getenv() {
    let src = r#"
class A {
    private static final String HOST = System.getenv("BILLING_HOST");
    private static final String PATH = "/invoices";
    void f(RestTemplate rest, String id) {
        String url = String.format("http://%s:%d", HOST, 8443) + PATH + "/" + id;
        rest.getForObject(url, String.class);
    }
}
"#;
    assert_eq!(
        target(Language::Java, src),
        cat(vec![
            lit("http://"),
            env("BILLING_HOST", None),
            lit(":8443/invoices/"),
            Expr::unknown("id"),
        ])
    );
}

#[test]
fn java_optional_env_default() {
    let src = r#"
class A {
    String base = Optional.ofNullable(System.getenv("SEARCH_URL")).orElse("http://search:9200");
    void f(RestTemplate rest) { rest.delete(base + "/idx"); }
}
"#;
    assert_eq!(
        target(Language::Java, src),
        cat(vec![
            env("SEARCH_URL", Some("http://search:9200")),
            lit("/idx")
        ])
    );
}

// ----- robustness ----------------------------------------------------------------------------------

#[test]
fn syntax_errors_give_partial_facts() {
    let f = facts(
        Language::Python,
        "broken.py",
        "import requests\ndef f(:\n    pass\nrequests.get('http://still-found')\n",
    );
    assert_eq!(f.calls.len(), 1);
    assert_eq!(f.calls[0].target, lit("http://still-found"));
    for lang in [
        Language::Python,
        Language::JavaScript,
        Language::TypeScript,
        Language::Go,
        Language::Java,
    ] {
        for src in [
            "",
            "(((((",
            "\"unterminated",
            "\u{0}\u{1}garbage{{{",
            "}}}}",
        ] {
            let _ = facts(lang, "x.txt", src);
        }
    }
}

#[test]
fn deep_nesting_and_long_chains_do_not_overflow() {
    let deep = format!(
        "import requests\nrequests.get({}'x'{})\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let _ = facts(Language::Python, "deep.py", &deep);
    let chain = format!("fetch('a'{});\n", " + 'b'".repeat(20_000));
    let f = facts(Language::JavaScript, "chain.js", &chain);
    assert_eq!(f.calls.len(), 1);
    // Self-referential and cyclic assignments terminate.
    let cyc = "import requests\na = b\nb = a + '/x'\nrequests.get(a)\n";
    let f = facts(Language::Python, "cyc.py", cyc);
    assert_eq!(f.calls.len(), 1);
    let go = "package main\nimport \"net/http\"\nfunc f() {\n\tu := u + \"/x\"\n\thttp.Get(u)\n}\n";
    assert_eq!(facts(Language::Go, "c.go", go).calls.len(), 1);
}

#[test]
fn locations_match_source_file() {
    // Multi-byte characters before the call, several facts on one line.
    let src = "const é = 'ü'; fetch('http://a'); fetch('http://b');\n  fetch(`${é}`);\n";
    let f = facts(Language::JavaScript, "l.js", src);
    let file = SourceFile::new(
        "l.js".into(),
        FileKind::Source(Language::JavaScript),
        src.into(),
    );
    let expected: Vec<Location> = ["fetch('http://a", "fetch('http://b", "fetch(`"]
        .iter()
        .map(|needle| file.location_of(src.find(needle).unwrap()))
        .collect();
    let got: Vec<Location> = f.calls.iter().map(|c| c.loc).collect();
    assert_eq!(got, expected);
    assert_eq!(got[0], Location::new(1, 16));
}

#[test]
fn output_is_deterministic() {
    let src = include_str!("../../tests/code/javascript/gateway.js");
    let a = facts(Language::JavaScript, "g.js", src);
    let b = facts(Language::JavaScript, "g.js", src);
    assert_eq!(a, b);
}

/// Kafka clients set to a cleartext protocol, per language: (key or `-` for the enum constant,
/// value, line). Comments, other protocols, other keys and log messages are not settings.
#[test]
fn kafka_protocol_settings_from_the_syntax_tree() {
    let cases: [(Language, &str, &str, Vec<(&str, &str, u32)>); 5] = [
        (
            Language::Python,
            "app.py",
            "from kafka import KafkaProducer\n# security_protocol=\"PLAINTEXT\" was the old setting\np = KafkaProducer(bootstrap_servers=b, security_protocol=\"PLAINTEXT\")\nconf = {'security.protocol': 'sasl_plaintext', 'note': 'PLAINTEXT'}\nconf['security.protocol'] = 'PLAINTEXT'\nok = KafkaProducer(security_protocol='SASL_SSL')\nlog.info(\"PLAINTEXT listener\")\n",
            vec![
                ("security_protocol", "PLAINTEXT", 3),
                ("security.protocol", "SASL_PLAINTEXT", 4),
                ("security.protocol", "PLAINTEXT", 5),
            ],
        ),
        (
            Language::Java,
            "Consumer.java",
            "import org.apache.kafka.clients.CommonClientConfigs;\nclass C {\n  void f(Properties props) {\n    props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, \"SASL_PLAINTEXT\");\n    props.put(\"security.protocol\", SecurityProtocol.PLAINTEXT.name);\n    // props.put(\"security.protocol\", \"PLAINTEXT\");\n    props.put(\"client.id\", \"PLAINTEXT\");\n    var p = org.apache.kafka.common.security.auth.SecurityProtocol.PLAINTEXT;\n  }\n}\n",
            vec![
                ("SECURITY_PROTOCOL_CONFIG", "SASL_PLAINTEXT", 4),
                ("security.protocol", "PLAINTEXT", 5),
                ("-", "PLAINTEXT", 8),
            ],
        ),
        (
            Language::Go,
            "main.go",
            "package main\nimport \"github.com/confluentinc/confluent-kafka-go/kafka\"\nfunc main() {\n\tconf := kafka.ConfigMap{\"bootstrap.servers\": b, \"security.protocol\": \"PLAINTEXT\"}\n\tconf.SetKey(\"security.protocol\", \"SASL_PLAINTEXT\")\n\tconf.SetKey(\"sasl.mechanism\", \"PLAINTEXT\")\n}\n",
            vec![
                ("security.protocol", "PLAINTEXT", 4),
                ("security.protocol", "SASL_PLAINTEXT", 5),
            ],
        ),
        (
            Language::JavaScript,
            "client.js",
            "const Kafka = require('node-rdkafka');\nconst producer = new Kafka.Producer({\n  'metadata.broker.list': brokers,\n  'security.protocol': 'plaintext',\n});\nconst other = { securityProtocol: 'SSL' };\n",
            vec![("security.protocol", "PLAINTEXT", 4)],
        ),
        (
            Language::Python,
            "no_kafka.py",
            "conf = {'security.protocol': 'PLAINTEXT'}\n",
            vec![],
        ),
    ];
    for (language, path, src, want) in cases {
        let got: Vec<(String, String, u32)> = facts(language, path, src)
            .protocol_settings
            .iter()
            .map(|s| {
                (
                    s.key.clone().unwrap_or_else(|| "-".into()),
                    s.value.clone(),
                    s.loc.line,
                )
            })
            .collect();
        let want: Vec<(String, String, u32)> = want
            .into_iter()
            .map(|(k, v, l)| (k.to_string(), v.to_string(), l))
            .collect();
        assert_eq!(got, want, "{path}");
    }
}
