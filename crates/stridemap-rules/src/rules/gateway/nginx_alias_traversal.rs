use super::util::unquote;
use crate::{Check, Context, Sink};
use stridemap_model::nginx::NginxDirective;
use stridemap_model::InfraType;

declare_rule! {
    /// ## What it does
    /// Flags an NGINX prefix `location` whose path does not end in `/` while its `alias` does
    /// (`location /static { alias /srv/static/; }`) — the "off-by-slash" misconfiguration.
    /// Regex and exact-match locations are not affected.
    ///
    /// ## Why is this bad?
    /// NGINX replaces the matched prefix with the alias. A request for `/static../app/.env`
    /// matches `/static` and becomes `/srv/static/../app/.env`: one directory above the one
    /// meant to be public, where configuration files, sources and keys often live.
    ///
    /// ## Example
    /// ```nginx
    /// location /static {
    ///     alias /srv/app/static/;
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```nginx
    /// location /static/ {
    ///     alias /srv/app/static/;
    /// }
    /// ```
    /// End the location with a slash whenever the alias does (or use `root`).
    pub struct NginxAliasTraversal {
        id: "GW-NGINX-ALIAS-TRAVERSAL",
        title: "NGINX alias allows path traversal (off-by-slash)",
        group: ApiGateway,
        stride: InformationDisclosure,
        severity: High,
        cwe: [22],
        infra: [Docker, Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker requests /static../config/secrets.yml; NGINX maps it to the directory above the static files and returns the application's configuration with its database password.",
        mitigation: "Add the trailing slash to the location (`location /static/`) or serve the directory with `root` instead of `alias`.",
    }
}

/// The prefix of a prefix-match location (`/path` or `^~ /path`).
fn prefix(location: &NginxDirective) -> Option<&str> {
    match location.args.as_slice() {
        [p] if !p.starts_with(['~', '=', '@']) => Some(unquote(p)),
        [m, p] if m == "^~" => Some(unquote(p)),
        _ => None,
    }
}

impl Check for NginxAliasTraversal {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for config in &cx.corpus.nginx {
            let mut hits: Vec<(&NginxDirective, &NginxDirective, String)> = Vec::new();
            config.walk(&mut |d, _| {
                if d.name != "location" {
                    return;
                }
                let Some(path) = prefix(d) else { return };
                if path.ends_with('/') {
                    return;
                }
                for a in d.block.iter().filter(|x| x.name == "alias") {
                    if a.args.first().is_some_and(|t| unquote(t).ends_with('/')) {
                        hits.push((d, a, path.to_string()));
                    }
                }
            });
            let file = &cx.corpus.file(config.file).path;
            let resource = config
                .embedded_in
                .clone()
                .unwrap_or_else(|| format!("nginx/{file}"));
            for (location, alias, path) in hits {
                let target = alias.args.first().map(|t| unquote(t)).unwrap_or("");
                out.report(
                    config.file,
                    alias.loc,
                    format!(
                        "`location {path}` has no trailing slash but its `alias {target}` does, so `{path}../` reaches the parent of {target}"
                    ),
                )
                .resource(resource.clone())
                .component(format!("NGINX {file}"))
                .key(format!("nginx:{resource}:alias:{path}"))
                .infra(if config.embedded_in.is_some() {
                    InfraType::Kubernetes
                } else {
                    InfraType::Docker
                })
                .also_at(config.file, location.loc);
            }
        }
    }
}
