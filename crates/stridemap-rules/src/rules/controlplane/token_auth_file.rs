use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` started with `--token-auth-file`, a CSV of bearer tokens the
    /// API server accepts for the users and groups listed next to them.
    ///
    /// ## Why is this bad?
    /// Static tokens are long-lived secrets kept in plain text on the control-plane node.
    /// They do not expire, cannot be revoked without editing the file and restarting the API
    /// server, and leave no trace of which person used them. A token leaked from a laptop, a
    /// CI log or a node backup keeps working indefinitely.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --token-auth-file=/etc/kubernetes/auth/tokens.csv
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --oidc-issuer-url=https://sso.example.com
    ///   - --oidc-client-id=kubernetes
    /// ```
    /// Remove the flag; use short-lived credentials (OIDC, client certificates, bound service
    /// account tokens) that can be revoked.
    pub struct TokenAuthFile {
        id: "CP-TOKEN-AUTH-FILE",
        title: "API server accepts tokens from a static file",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: High,
        cwe: [522, 798],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_70", "kics:32ecd76e-7bbf-402e-bf48-8b9485749558"],
        attack_scenario: "A static admin token ends up in a CI log; months later an attacker replays it against the API server and is accepted, because the token never expires and nobody can tell which copy was used.",
        mitigation: "Remove `--token-auth-file` and move users to OIDC or client certificates, and workloads to bound service account tokens.",
    }
}

impl Check for TokenAuthFile {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.has_value("token-auth-file") {
                inv.report(
                    out,
                    w,
                    inv.loc_of("token-auth-file"),
                    format!(
                        "{} authenticates users from a static token file (`--token-auth-file`)",
                        inv.describe(w)
                    ),
                );
            }
        }
    }
}
