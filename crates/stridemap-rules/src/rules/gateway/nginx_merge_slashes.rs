use super::util::{nginx_find, nginx_server_label, nginx_servers, NGINX_PASS};
use crate::{Check, Context, Sink};
use stridemap_model::nginx::NginxDirective;
use stridemap_model::InfraType;

declare_rule! {
    /// ## What it does
    /// Flags `merge_slashes off` in an NGINX configuration that both proxies requests and
    /// restricts some locations (`deny`, `auth_basic`, `auth_request`, `allow`, or a
    /// `return 401/403/404`).
    ///
    /// ## Why is this bad?
    /// With slashes left unmerged, `//admin` does not match `location /admin`, so the request
    /// falls through to a broader location that proxies it — and most backends normalise the
    /// path back to `/admin`. The access rule on `/admin` is skipped while the backend serves
    /// the page.
    ///
    /// ## Example
    /// ```nginx
    /// server {
    ///     merge_slashes off;
    ///     location /admin { deny all; }
    ///     location / { proxy_pass http://app; }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```nginx
    /// server {
    ///     location /admin { deny all; }
    ///     location / { proxy_pass http://app; }
    /// }
    /// ```
    /// Keep the default `merge_slashes on`, and enforce access control in the backend too.
    pub struct NginxMergeSlashesOff {
        id: "GW-NGINX-MERGE-SLASHES-OFF",
        title: "NGINX merge_slashes off lets paths dodge location rules",
        group: ApiGateway,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [647],
        infra: [Docker, Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker requests //admin/users; NGINX does not match the denied /admin location and proxies the request, and the backend normalises the path and serves the admin page.",
        mitigation: "Remove `merge_slashes off` (the default merges them), or repeat the access control in the backend.",
    }
}

/// Whether a location restricts access.
fn restricts(location: &NginxDirective) -> bool {
    location.block.iter().any(|d| match d.name.as_str() {
        "deny" | "allow" | "auth_request" => true,
        "auth_basic" => d.args.first().is_some_and(|a| a != "off"),
        "return" => d
            .args
            .first()
            .is_some_and(|c| matches!(c.as_str(), "401" | "403" | "404")),
        _ => false,
    })
}

fn merge_setting(block: &[NginxDirective]) -> Option<&NginxDirective> {
    block.iter().find(|d| d.name == "merge_slashes")
}

impl Check for NginxMergeSlashesOff {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for config in &cx.corpus.nginx {
            let file = &cx.corpus.file(config.file).path;
            let resource = config
                .embedded_in
                .clone()
                .unwrap_or_else(|| format!("nginx/{file}"));
            for (i, (server, ancestors)) in nginx_servers(config).into_iter().enumerate() {
                // The server's own setting wins over the one around it.
                let Some(off) = merge_setting(&server.block)
                    .or_else(|| ancestors.iter().rev().find_map(|a| merge_setting(&a.block)))
                    .filter(|d| d.args.first().is_some_and(|a| a == "off"))
                else {
                    continue;
                };
                let guarded: Vec<&NginxDirective> = nginx_find(&server.block, &["location"])
                    .into_iter()
                    .filter(|l| restricts(l))
                    .collect();
                if guarded.is_empty() || nginx_find(&server.block, NGINX_PASS).is_empty() {
                    continue;
                }
                let label = nginx_server_label(server);
                let paths: Vec<String> = guarded
                    .iter()
                    .map(|l| format!("`{}`", l.args.join(" ")))
                    .collect();
                let f = out
                    .report(
                        config.file,
                        off.loc,
                        format!(
                            "`merge_slashes off` lets requests to server `{label}` with doubled slashes miss the restricted location(s) {} and reach the proxied backend",
                            paths.join(", ")
                        ),
                    )
                    .resource(resource.clone())
                    .component(format!("NGINX server {label}"))
                    .key(format!("nginx:{resource}:merge_slashes:{i}:{label}"))
                    .infra(if config.embedded_in.is_some() {
                        InfraType::Kubernetes
                    } else {
                        InfraType::Docker
                    });
                for l in &guarded {
                    f.also_at(config.file, l.loc);
                }
            }
        }
    }
}
