use crate::helpers::{on_object, on_service};
use crate::{Check, Context, Sink};
use regex::Regex;
use std::sync::LazyLock;
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{InfraType, Node};

declare_rule! {
    /// ## What it does
    /// Flags access-log and tracing configurations that record credential-bearing headers:
    /// Envoy/Istio access-log formats with `%REQ(AUTHORIZATION)%`, `%REQ(COOKIE)%`,
    /// `%RESP(SET-COOKIE)%`, API-key or token headers (in `meshConfig.accessLogFormat`,
    /// Telemetry providers, EnvoyFilters, Envoy configs); NGINX and ingress-nginx log formats
    /// with `$http_authorization`, `$http_cookie` or `$cookie_…`; Istio tracing `customTags`
    /// taken from such headers; and OpenTelemetry instrumentation told to capture them
    /// (`OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST`,
    /// `otel.instrumentation.http.server.capture-request-headers`). Headers forwarded to an
    /// upstream (`proxy_set_header`, `request_headers_to_add`) are not logging and are left
    /// alone.
    ///
    /// ## Why is this bad?
    /// Logs and traces are copied to collectors, storage buckets and dashboards that many more
    /// people and systems can read than the services themselves, and they are kept for weeks.
    /// Bearer tokens, session cookies and API keys recorded there can be replayed by anyone
    /// with access to the observability stack to act as the users or services they belong to.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: install.istio.io/v1alpha1
    /// kind: IstioOperator
    /// spec:
    ///   meshConfig:
    ///     accessLogFile: /dev/stdout
    ///     accessLogFormat: "[%START_TIME%] %REQ(:METHOD)% %REQ(:PATH)% auth=%REQ(AUTHORIZATION)%\n"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   meshConfig:
    ///     accessLogFile: /dev/stdout
    ///     accessLogFormat: "[%START_TIME%] %REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE%\n"
    /// ```
    /// Log who the caller is (the mTLS principal, a user id claim), never the credential; if a
    /// header must be traced, hash or redact it in the collector.
    pub struct TracingCapturesCredentials {
        id: "MESH-TRACING-CAPTURES-CREDENTIALS",
        title: "Access logs or traces record credential headers",
        group: ServiceMesh,
        stride: InformationDisclosure,
        severity: High,
        cwe: [532, 200],
        infra: [Istio, Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker with read access to the log store, tracing backend or a dashboard (or a leaked log bucket) collects the bearer tokens and session cookies recorded there and replays them to call the services as the users they belong to.",
        mitigation: "Remove credential headers from access-log formats, tracing custom tags and header-capture settings; log the authenticated identity instead, and add a redaction processor to the telemetry pipeline.",
    }
}

/// Header names that carry credentials.
fn sensitive_header(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase().replace('_', "-");
    [
        "authorization",
        "cookie",
        "api-key",
        "apikey",
        "token",
        "secret",
        "password",
        "x-auth",
        "credential",
        "session",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Envoy command operators: `%REQ(X?Y):Z%`, `%RESP(…)%`, `%TRAILER(…)%`.
static ENVOY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"%(?:REQ|RESP|TRAILER)\(([^)%]+)\)(?::\d+)?%?").expect("envoy regex")
});
/// NGINX variables holding request or response headers and cookies.
static NGINX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$(?:http|sent_http|upstream_http)_([A-Za-z0-9_]+)|\$(cookie)_[A-Za-z0-9_]+")
        .expect("nginx regex")
});
/// OpenTelemetry Java agent properties naming the headers to capture.
static OTEL_PROPERTY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"otel\.instrumentation\.http\.(?:server|client)\.capture-(?:request|response)-headers\s*=\s*(\S+)")
        .expect("otel regex")
});

/// Directives that forward or set headers rather than log them.
const FORWARDING: &[&str] = &[
    "proxy_set_header",
    "grpc_set_header",
    "add_header",
    "more_set_headers",
    "more_set_input_headers",
    "fastcgi_param",
    "uwsgi_param",
    "auth_request_set",
    "set ",
];

/// Credential headers a text records, given whether it is a log format.
fn captured(text: &str, log_context: bool) -> Vec<String> {
    let mut out = Vec::new();
    let text: String = text
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            !FORWARDING.iter().any(|f| l.starts_with(f))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.as_str();
    if log_context {
        for c in ENVOY.captures_iter(text) {
            for h in c[1].split('?') {
                if sensitive_header(h) {
                    out.push(c[0].to_string());
                }
            }
        }
        for c in NGINX.captures_iter(text) {
            let name = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
            if name == "cookie" || sensitive_header(name) {
                out.push(c[0].to_string());
            }
        }
    }
    for c in OTEL_PROPERTY.captures_iter(text) {
        if c[1].split(',').any(sensitive_header) {
            out.push(c[0].to_string());
        }
    }
    out.dedup();
    out
}

/// Whether a value sits in a logging format: by its key path, or by what the text says.
fn is_log_context(path: &str, text: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p.contains("log") || p.contains("format") || {
        let t = text.to_ascii_lowercase();
        [
            "accesslogformat",
            "access_log",
            "log_format",
            "logformat",
            "log-format",
        ]
        .iter()
        .any(|w| t.contains(w))
    }
}

/// OpenTelemetry header-capture environment variables (`..._CAPTURE_HEADERS_...`).
fn otel_env(name: &str, value: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.starts_with("OTEL_")
        && n.contains("CAPTURE")
        && n.contains("HEADER")
        && value.split(',').any(sensitive_header)
}

/// (key path, node, what is recorded) for everything in a document.
fn scan(root: &Node) -> Vec<(String, &Node, String)> {
    let mut out = Vec::new();
    root.walk(&mut |path, _, node| {
        // `{name: OTEL_..., value: "Authorization"}` in a container's env.
        if let (Some(name), Some(value)) = (
            node.get("name").and_then(Node::as_str),
            node.get("value").and_then(Node::as_str),
        ) {
            if otel_env(name, value) {
                out.push((
                    path.to_string(),
                    node.get("value").unwrap_or(node),
                    format!("`{name}={value}`"),
                ));
            }
        }
        // Istio tracing tags read from request headers.
        let lower = path.to_ascii_lowercase();
        if lower.contains("customtags") || lower.contains("custom_tags") {
            if let Some(h) = node.path(&["header", "name"]).and_then(Node::as_str) {
                if sensitive_header(h) {
                    out.push((
                        path.to_string(),
                        node.path(&["header", "name"]).unwrap_or(node),
                        format!("tracing tag from header `{h}`"),
                    ));
                }
            }
        }
        if let Some(text) = node.as_str() {
            let hits = captured(text, is_log_context(path, text));
            if !hits.is_empty() {
                out.push((path.to_string(), node, format!("`{}`", hits.join("`, `"))));
            }
        }
    });
    out
}

fn describe(what: &str) -> String {
    format!("records credential-bearing headers in logs or traces ({what})")
}

impl Check for TracingCapturesCredentials {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        for (path, node, what) in scan(&o.root) {
            on_object(
                out,
                o,
                node.loc,
                format!("{} {}", o.resource_id(), describe(&what)),
            )
            .key_part(&path)
            .infra(if o.api_version.contains("istio.io") {
                InfraType::Istio
            } else {
                InfraType::Kubernetes
            })
            .component("observability");
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        for env in service.environment() {
            let Some(value) = env.value else { continue };
            if otel_env(env.name, value) || !captured(value, false).is_empty() {
                on_service(
                    out,
                    compose,
                    service,
                    env.loc,
                    format!(
                        "Compose service `{}` {}",
                        service.name,
                        describe(&format!("`{}={value}`", env.name))
                    ),
                )
                .key_part(env.name)
                .component("observability");
            }
        }
    }

    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for doc in &cx.corpus.other_yaml {
            let path = &cx.corpus.file(doc.file).path;
            for (key, node, what) in scan(&doc.root) {
                out.report(doc.file, node.loc, format!("`{path}` {}", describe(&what)))
                    .resource(format!("Config/{path}"))
                    .component("observability")
                    .key(format!("{path}#{}:{key}", doc.index))
                    .infra(InfraType::Kubernetes);
            }
        }
        // NGINX files (values embedded in ConfigMaps are read with their ConfigMap).
        for config in cx.corpus.nginx.iter().filter(|c| c.embedded_in.is_none()) {
            let path = &cx.corpus.file(config.file).path;
            config.walk(&mut |d, _| {
                if d.name != "log_format" {
                    return;
                }
                let hits = captured(&d.args.join(" "), true);
                if hits.is_empty() {
                    return;
                }
                let name = d.args.first().cloned().unwrap_or_default();
                out.report(
                    config.file,
                    d.loc,
                    format!(
                        "NGINX log format `{name}` in `{path}` {}",
                        describe(&format!("`{}`", hits.join("`, `")))
                    ),
                )
                .resource(format!("Config/{path}"))
                .component("observability")
                .key(format!("{path}:log_format:{name}"))
                .infra(InfraType::Kubernetes);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(
            captured("%START_TIME% %REQ(AUTHORIZATION)% %REQ(:PATH)%", true),
            vec!["%REQ(AUTHORIZATION)%".to_string()]
        );
        assert!(captured("%REQ(X-REQUEST-ID)% %REQ(USER-AGENT)%", true).is_empty());
        assert_eq!(captured("$remote_addr $http_cookie", true).len(), 1);
        assert!(captured("proxy_set_header Authorization $http_authorization;", false).is_empty());
        assert!(otel_env(
            "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST",
            "X-Request-Id,Authorization"
        ));
        assert!(!captured(
            "-Dotel.instrumentation.http.server.capture-request-headers=Authorization",
            false
        )
        .is_empty());
    }
}
