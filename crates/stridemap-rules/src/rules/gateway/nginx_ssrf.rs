use super::util::{authority_vars, request_controlled, tainted_vars};
use crate::{Check, Context, Sink};
use stridemap_model::nginx::NginxDirective;
use stridemap_model::{InfraType, Location, Severity};

declare_rule! {
    /// ## What it does
    /// Flags NGINX `proxy_pass` and `grpc_pass` directives whose upstream host (scheme, host or
    /// port — the part before the path) comes from the request: `$host`, `$http_*` headers,
    /// `$arg_*` query parameters, `$cookie_*`, regex captures of the location or server name,
    /// or variables `set` or `map`ped from them. Variables in the path
    /// (`proxy_pass http://backend$request_uri`) are not flagged, nor maps whose values are a
    /// fixed allow-list.
    ///
    /// ## Why is this bad?
    /// The proxy sits inside the trust boundary: it can reach internal services, the cloud
    /// metadata endpoint and admin ports that the internet cannot. Letting the client choose
    /// where the proxy connects turns it into an open relay into that network (server-side
    /// request forgery). Addresses given as IPs work even without a `resolver`.
    ///
    /// ## Example
    /// ```nginx
    /// location /fetch/ {
    ///     proxy_pass http://$arg_host$request_uri;
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```nginx
    /// map $arg_region $regional_backend {
    ///     default  api-eu.internal;
    ///     us       api-us.internal;
    /// }
    /// location /fetch/ {
    ///     proxy_pass http://$regional_backend$request_uri;
    /// }
    /// ```
    /// Pick the upstream from a fixed list (a `map` with constant values or named `upstream`
    /// blocks), never from raw request data.
    pub struct NginxSsrf {
        id: "GW-NGINX-SSRF",
        title: "NGINX proxies to a host chosen by the request",
        group: ApiGateway,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [918],
        infra: [Docker, Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker sends a request whose Host header or query parameter names 169.254.169.254; the gateway proxies it to the cloud metadata service and returns the node's credentials.",
        mitigation: "Route to named upstreams or a `map` with constant values, and never interpolate headers, query parameters or captures into the upstream host.",
    }
}

impl Check for NginxSsrf {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for config in &cx.corpus.nginx {
            let tainted = tainted_vars(config);
            let has_resolver = {
                let mut r = false;
                config.walk(&mut |d, _| r |= d.name == "resolver");
                r
            };
            let mut hits: Vec<(&NginxDirective, Vec<String>)> = Vec::new();
            config.walk(&mut |d, _| {
                if !matches!(d.name.as_str(), "proxy_pass" | "grpc_pass") {
                    return;
                }
                let Some(target) = d.args.first() else { return };
                let bad: Vec<String> = authority_vars(target)
                    .into_iter()
                    .filter(|v| request_controlled(v) || tainted.contains(v))
                    .collect();
                if !bad.is_empty() {
                    hits.push((d, bad));
                }
            });
            let path = &cx.corpus.file(config.file).path;
            let resource = config
                .embedded_in
                .clone()
                .unwrap_or_else(|| format!("nginx/{path}"));
            for (i, (d, vars)) in hits.into_iter().enumerate() {
                let vars: Vec<String> = vars.iter().map(|v| format!("`${v}`")).collect();
                let loc: Location = d.loc;
                let f = out
                    .report(
                        config.file,
                        loc,
                        format!(
                            "`{} {}` takes the upstream host from {}, which the client controls",
                            d.name,
                            d.args.join(" "),
                            vars.join(", ")
                        ),
                    )
                    .resource(resource.clone())
                    .component(format!("NGINX {path}"))
                    .key(format!("nginx:{resource}:ssrf:{i}"))
                    .infra(if config.embedded_in.is_some() {
                        InfraType::Kubernetes
                    } else {
                        InfraType::Docker
                    });
                if has_resolver {
                    f.severity(Severity::Critical);
                }
            }
        }
    }
}
