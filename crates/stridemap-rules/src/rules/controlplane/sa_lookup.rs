use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` started with `--service-account-lookup=false`. The flag defaults
    /// to `true`, so only an explicit `false` is reported.
    ///
    /// ## Why is this bad?
    /// With the lookup off, the API server trusts any service account token whose signature
    /// checks out, without verifying that the service account (or the Secret holding a legacy
    /// token) still exists. Deleting a service account or its token Secret, the usual way to
    /// revoke a leaked credential, then has no effect.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --service-account-lookup=false
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --service-account-lookup=true
    /// ```
    /// Remove the flag or set it to `true`.
    pub struct ServiceAccountLookupDisabled {
        id: "CP-SA-LOOKUP-DISABLED",
        title: "API server accepts tokens of deleted service accounts",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Medium,
        cwe: [613],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_96", "kics:a5530bd7-225a-48f9-91bb-f40b04200165"],
        attack_scenario: "A service account token leaks; the team deletes the service account to revoke it, but the API server keeps accepting the token because it never checks that the account still exists.",
        mitigation: "Drop `--service-account-lookup=false` (the default is `true`).",
    }
}

impl Check for ServiceAccountLookupDisabled {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.bool_value("service-account-lookup") == Some(false) {
                inv.report(out, w, inv.loc_of("service-account-lookup"), format!("{} does not check that a service account still exists before accepting its token (`--service-account-lookup=false`)", inv.describe(w)));
            }
        }
    }
}
