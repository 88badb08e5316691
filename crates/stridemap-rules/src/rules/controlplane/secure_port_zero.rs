use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` started with `--secure-port=0`.
    ///
    /// ## Why is this bad?
    /// Port 0 turns the HTTPS listener off. The API server is then reachable only through the
    /// insecure port, in plain text and without authentication or authorization, or through
    /// nothing at all. Either way TLS, client certificates and RBAC are gone.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --secure-port=0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --secure-port=6443
    /// ```
    /// Serve the API on a non-zero secure port (6443 by convention).
    pub struct SecurePortDisabled {
        id: "CP-SECURE-PORT-DISABLED",
        title: "API server HTTPS port disabled",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: High,
        cwe: [319],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_89", "kics:3d24b204-b73d-42cb-b0bf-1a5438c5f71e"],
        attack_scenario: "With HTTPS off, clients talk to the API server in clear text; an attacker on the path reads service account tokens from the traffic and replays them.",
        mitigation: "Remove `--secure-port=0`; serve the API over TLS on port 6443.",
    }
}

impl Check for SecurePortDisabled {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.value("secure-port").and_then(|p| p.parse::<i64>().ok()) == Some(0) {
                inv.report(
                    out,
                    w,
                    inv.loc_of("secure-port"),
                    format!(
                        "{} turns its HTTPS listener off (`--secure-port=0`)",
                        inv.describe(w)
                    ),
                );
            }
        }
    }
}
