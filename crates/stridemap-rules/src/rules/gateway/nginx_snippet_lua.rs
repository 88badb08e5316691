use super::nginx_snippet::report_snippets;
use super::util::SnippetKind;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags Ingress snippet annotations whose content runs Lua (`content_by_lua_block`,
    /// `access_by_lua`, `lua_*` directives) or touches the controller's service-account
    /// credentials (`/var/run/secrets`, `kubernetes.io/serviceaccount`).
    ///
    /// ## Why is this bad?
    /// Lua in ingress-nginx runs inside the controller process, with its filesystem and its
    /// service-account token, which can read Secrets across the cluster. Whoever can edit this
    /// Ingress can therefore read every TLS key and credential the controller can
    /// (CVE-2021-25742).
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/server-snippet: |
    ///       location /debug {
    ///         content_by_lua_block {
    ///           ngx.say(io.open("/var/run/secrets/kubernetes.io/serviceaccount/token"):read("*a"))
    ///         }
    ///       }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/rewrite-target: /
    /// ```
    /// Drop the snippet; keep `allow-snippet-annotations` off and upgrade the controller to a
    /// release that validates annotations.
    pub struct NginxSnippetLua {
        id: "GW-NGINX-SNIPPET-LUA",
        title: "Ingress snippet runs Lua or reads controller credentials",
        group: ApiGateway,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [94, 200],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_152", "CKV_K8S_153"],
        attack_scenario: "A user allowed to create Ingresses in a team namespace adds a Lua block that prints the controller's service-account token, then uses the token to list Secrets in every namespace.",
        mitigation: "Remove the snippet, disable snippet annotations in the controller, and restrict who may create or edit Ingress objects.",
    }
}

impl Check for NginxSnippetLua {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if o.kind != "Ingress" {
            return;
        }
        report_snippets(
            o,
            SnippetKind::Code,
            out,
            " with Lua code or credential paths that run inside the ingress controller",
        );
    }
}
