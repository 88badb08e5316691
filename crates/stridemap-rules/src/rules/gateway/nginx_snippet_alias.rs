use super::nginx_snippet::report_snippets;
use super::util::SnippetKind;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags Ingress snippet annotations that contain an `alias` directive.
    ///
    /// ## Why is this bad?
    /// `alias` makes the controller serve files from its own filesystem. Pointed at
    /// `/var/run/secrets` (or any directory above it) it publishes the controller's
    /// service-account token, which can read Secrets across the cluster — the file-serving
    /// route of CVE-2021-25742.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/server-snippet: |
    ///       location ^~ /files {
    ///         alias /var/run;
    ///       }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/rewrite-target: /files
    /// ```
    /// Serve static files from a backend Service, never from the controller.
    pub struct NginxSnippetAlias {
        id: "GW-NGINX-SNIPPET-ALIAS",
        title: "Ingress snippet serves controller files with alias",
        group: ApiGateway,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [22, 200],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_154", "CKV_K8S_153"],
        attack_scenario: "A user who may edit an Ingress adds a location aliased to /var/run, downloads the controller's service-account token over HTTP and uses it to read Secrets in other namespaces.",
        mitigation: "Remove the snippet, disable snippet annotations in the controller, and serve files from a dedicated backend.",
    }
}

impl Check for NginxSnippetAlias {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if o.kind != "Ingress" {
            return;
        }
        report_snippets(
            o,
            SnippetKind::Alias,
            out,
            " with an `alias` that serves files from the ingress controller's filesystem",
        );
    }
}
