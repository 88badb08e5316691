use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` started with `--basic-auth-file`, a CSV of user names and
    /// passwords the API server accepts through HTTP basic authentication.
    ///
    /// ## Why is this bad?
    /// The passwords sit in plain text on the control-plane node, never expire, cannot be
    /// rotated without restarting the API server, and are sent with every request. Whoever
    /// reads the file or guesses a password (nothing limits attempts) becomes that user, often
    /// a member of `system:masters`. The flag was removed in Kubernetes 1.19; a manifest that
    /// still carries it runs an old, unsupported API server as well.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --basic-auth-file=/etc/kubernetes/auth/users.csv
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --client-ca-file=/etc/kubernetes/pki/ca.crt
    ///   - --oidc-issuer-url=https://sso.example.com
    ///   - --oidc-client-id=kubernetes
    /// ```
    /// Remove the flag and authenticate people with client certificates or an OIDC provider.
    pub struct BasicAuthFile {
        id: "CP-BASIC-AUTH-FILE",
        title: "API server accepts passwords from a static file",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: High,
        cwe: [256, 522],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_69", "kics:5da47109-f8d6-4585-9e2b-96a8958a12f5"],
        attack_scenario: "An attacker who copies the CSV from a node backup, or brute-forces a weak password over HTTPS, authenticates to the API server as that user and keeps access until someone edits the file and restarts the control plane.",
        mitigation: "Remove `--basic-auth-file`; use client certificates or OIDC for people and service account tokens for workloads.",
    }
}

impl Check for BasicAuthFile {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.has_value("basic-auth-file") {
                inv.report(
                    out,
                    w,
                    inv.loc_of("basic-auth-file"),
                    format!(
                        "{} authenticates users from a static password file (`--basic-auth-file`)",
                        inv.describe(w)
                    ),
                );
            }
        }
    }
}
