use super::util::{self, Files};
use crate::{Check, Context, Sink};
use stridemap_model::architecture::ArchNode;
use stridemap_model::code::Route;
use stridemap_model::mesh;
use stridemap_model::{InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags HTTP routes in service code whose path marks them as internal or administrative
    /// (`/internal/…`, `/admin/…`, `/debug/…`, `/actuator/…`, `/management/…`, `/pprof`) or
    /// destructive (`/delete-user`, `/purge`, `/reset`, `/shutdown`…) and that show no
    /// authentication: no auth decorator, middleware, dependency or security annotation at the
    /// route, its router or its application. Health, readiness, version and metrics endpoints
    /// are left alone, and so are routes of a service that an Istio AuthorizationPolicy
    /// restricts to named callers. Test code is skipped.
    ///
    /// ## Why is this bad?
    /// "Internal" is a naming convention, not a control: any pod in the cluster, any container
    /// on the Compose network and anyone who reaches the service through a misrouted ingress can
    /// call the endpoint. An unauthenticated admin or delete endpoint lets a single compromised
    /// service — or an SSRF bug in one — delete users, dump configuration or stop the service.
    ///
    /// ## Example
    /// ```python
    /// @app.post("/internal/accounts/<account_id>/purge")
    /// def purge_account(account_id):
    ///     Account.query.filter_by(id=account_id).delete()
    ///     return "", 204
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// @app.post("/internal/accounts/<account_id>/purge")
    /// @require_service_token(audience="account-admin")
    /// def purge_account(account_id):
    ///     Account.query.filter_by(id=account_id).delete()
    ///     return "", 204
    /// ```
    /// Verify the caller's identity on every internal endpoint (a signed service token, mTLS
    /// peer identity checked by an AuthorizationPolicy) and authorize it for the operation.
    pub struct UnauthenticatedInternalEndpoint {
        id: "S2S-UNAUTHENTICATED-INTERNAL-ENDPOINT",
        title: "Internal or admin endpoint without authentication",
        group: ServiceToService,
        stride: Spoofing,
        severity: High,
        cwe: [306, 862],
        infra: [Code],
        equivalents: [],
        attack_scenario: "An attacker who controls any workload on the internal network (or an SSRF bug in one) sends a request to the admin endpoint pretending to be a trusted service; the endpoint performs the deletion or returns its debug data because it never checks who is calling.",
        mitigation: "Require and verify a caller identity on the endpoint (service tokens, mTLS identity enforced by an AuthorizationPolicy naming the allowed principals) and authorize the specific operation; do not rely on the path being internal.",
    }
}

/// Path segments that mark an endpoint as meant for operators or other services only.
const INTERNAL: &[&str] = &[
    "internal",
    "_internal",
    "private",
    "admin",
    "_admin",
    "administration",
    "administrator",
    "management",
    "manage",
    "mgmt",
    "debug",
    "_debug",
    "actuator",
    "pprof",
    "jolokia",
    "heapdump",
    "threaddump",
    "backoffice",
    "superuser",
];

/// Verbs that, as a path segment or its first word, make an endpoint destructive.
const DESTRUCTIVE: &[&str] = &[
    "delete",
    "remove",
    "purge",
    "drop",
    "reset",
    "wipe",
    "truncate",
    "shutdown",
    "restart",
    "kill",
    "destroy",
    "flush",
    "flushall",
    "terminate",
];

/// Final segments of endpoints that are public by design.
const BENIGN: &[&str] = &[
    "health",
    "healthz",
    "healthcheck",
    "ready",
    "readyz",
    "readiness",
    "live",
    "livez",
    "liveness",
    "ping",
    "status",
    "version",
    "metrics",
    "prometheus",
    "info",
];

/// Path segments, lowercased, without parameters (`<id>`, `{id}`, `:id`).
fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| {
            !s.is_empty()
                && !s.starts_with('<')
                && !s.starts_with('{')
                && !s.starts_with(':')
                && !s.starts_with('*')
        })
        .collect()
}

fn first_word(segment: &str) -> &str {
    segment.split(['-', '_', '.']).next().unwrap_or(segment)
}

/// What makes the route sensitive: (internal marker, destructive verb).
fn classify(route: &Route) -> Option<(Option<String>, Option<String>)> {
    let segs = segments(&route.path);
    if segs.last().is_some_and(|l| BENIGN.contains(&l.as_str())) {
        return None;
    }
    let internal = segs
        .iter()
        .find(|s| INTERNAL.contains(&s.as_str()) || INTERNAL.contains(&first_word(s)))
        .cloned();
    let destructive = segs
        .iter()
        .find(|s| DESTRUCTIVE.contains(&s.as_str()) || DESTRUCTIVE.contains(&first_word(s)))
        .cloned()
        .or_else(|| {
            route
                .method
                .as_deref()
                .filter(|m| m.eq_ignore_ascii_case("DELETE") && internal.is_some())
                .map(|_| "DELETE".to_string())
        });
    (internal.is_some() || destructive.is_some()).then_some((internal, destructive))
}

/// An Istio AuthorizationPolicy that admits only named sources to the service.
fn restricted_by_mesh(cx: &Context, node: &ArchNode) -> bool {
    node.mesh
        && cx
            .authorization_policies()
            .candidates(node.namespace.as_deref())
            .into_iter()
            .filter(|o| {
                mesh::authorization_policy_applies(o, node.namespace.as_deref(), &node.labels)
            })
            .any(|o| {
                mesh::authorization_action(o) == "ALLOW"
                    && o.root
                        .path(&["spec", "rules"])
                        .map(Node::as_seq)
                        .unwrap_or(&[])
                        .iter()
                        .all(|r| r.get("from").is_some())
            })
}

impl Check for UnauthenticatedInternalEndpoint {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let owners = util::code_owners(cx.arch);
        for facts in &cx.corpus.code {
            let path = cx.corpus.file(facts.file).path.as_str();
            if util::is_test_path(path) {
                continue;
            }
            let owner = util::owner_of(&owners, path);
            if owner.is_some_and(|o| restricted_by_mesh(cx, o)) {
                continue;
            }
            for route in facts.routes.iter().filter(|r| r.auth.is_empty()) {
                let Some((internal, destructive)) = classify(route) else {
                    continue;
                };
                let method = route
                    .method
                    .as_deref()
                    .unwrap_or("ANY")
                    .to_ascii_uppercase();
                let what = match (&internal, &destructive) {
                    (Some(_), Some(_)) => "an internal endpoint performing a destructive operation",
                    (Some(_), None) => "an internal or administrative endpoint",
                    _ => "a destructive endpoint",
                };
                let severity = match (&internal, &destructive) {
                    (Some(_), Some(_)) => Severity::Critical,
                    _ => Severity::High,
                };
                let who = owner.map_or(String::new(), |o| format!(" in `{}`", o.name));
                let f = out
                    .report(
                        facts.file,
                        route.loc,
                        format!(
                            "{} route `{method} {}`{who} is {what} with no authentication: any caller that reaches the service can use it",
                            route.framework, route.path
                        ),
                    )
                    .key(format!("{path}:{method} {}", route.path))
                    .severity(severity)
                    .infra(InfraType::Code);
                match owner {
                    Some(o) => {
                        f.component(o.name.clone());
                        util::add_node(f, &files, o);
                    }
                    None => {
                        f.resource(format!("Source/{path}"));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stridemap_model::Location;

    fn route(method: &str, path: &str) -> Route {
        Route {
            framework: "flask".into(),
            method: Some(method.into()),
            path: path.into(),
            auth: Vec::new(),
            loc: Location::new(1, 1),
        }
    }

    #[test]
    fn paths() {
        assert!(classify(&route("DELETE", "/internal/admin/delete-user/<user_id>")).is_some());
        assert!(classify(&route("GET", "/debug/pprof/heap")).is_some());
        assert!(classify(&route("GET", "/actuator/health")).is_none());
        assert!(classify(&route("GET", "/admin/metrics")).is_none());
        assert!(classify(&route("GET", "/orders/{id}")).is_none());
        assert!(classify(&route("DELETE", "/orders/{id}")).is_none());
        assert!(classify(&route("GET", "/administrators-guide")).is_none());
    }
}
