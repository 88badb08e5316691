use super::util::{snippet_annotations, snippet_kinds, SnippetKind};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags Ingress annotations that paste raw configuration into the ingress controller:
    /// ingress-nginx `configuration-snippet`, `server-snippet`, `auth-snippet` and the other
    /// `*-snippet` annotations, NGINX Inc.'s `*-snippets` and HAProxy's `*-config-snippet`.
    /// Snippets that run Lua or read the controller's credentials are reported by
    /// GW-NGINX-SNIPPET-LUA and snippets with `alias` by GW-NGINX-SNIPPET-ALIAS; this rule
    /// covers the rest.
    ///
    /// ## Why is this bad?
    /// The controller renders every Ingress into one shared configuration and runs it with a
    /// service account that can read Secrets across the cluster. A snippet turns "may edit an
    /// Ingress" into "may write controller configuration": add locations that bypass other
    /// teams' authentication, rewrite headers, or reach for files and credentials
    /// (CVE-2021-25742). Recent ingress-nginx releases disable snippet annotations by default
    /// for this reason.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/configuration-snippet: |
    ///       more_set_headers "X-Frame-Options: DENY";
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/custom-headers: ingress-nginx/security-headers
    /// ```
    /// Use the dedicated annotations (or a controller-wide ConfigMap managed by the platform
    /// team) and keep `allow-snippet-annotations` off.
    pub struct NginxSnippet {
        id: "GW-NGINX-SNIPPET",
        title: "Ingress injects a configuration snippet",
        group: ApiGateway,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [94],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_153"],
        attack_scenario: "A developer account with rights to edit Ingresses in one namespace adds a server snippet that defines a location without the auth checks other teams configured, or that exposes controller internals, and uses it to reach services it should not.",
        mitigation: "Remove the snippet annotation, use the controller's dedicated annotations instead, and set `allow-snippet-annotations: \"false\"` in the controller ConfigMap.",
    }
}

/// Reports the snippet annotations of `o` whose value is of `kind`.
pub(super) fn report_snippets(o: &K8sObject, kind: SnippetKind, out: &mut Sink, what: &str) {
    for (key, _, value) in snippet_annotations(o) {
        let text = value.as_str().unwrap_or("");
        let kinds = snippet_kinds(text);
        if !kinds.contains(&kind) {
            continue;
        }
        on_object(
            out,
            o,
            value.loc,
            format!("{} sets `{key}`{what}", o.resource_id()),
        )
        .key_part(key);
    }
}

impl Check for NginxSnippet {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if o.kind != "Ingress" {
            return;
        }
        report_snippets(
            o,
            SnippetKind::Plain,
            out,
            ", pasting raw configuration into the shared ingress controller",
        );
    }
}
