use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags a namespace's `default` ServiceAccount, when the manifests declare it, unless it
    /// sets `automountServiceAccountToken: false`.
    ///
    /// ## Why is this bad?
    /// Every pod that does not name a service account runs as `default`, and by default gets
    /// its token mounted. Declaring `default` is the one place where a team can switch that off
    /// for all such pods at once; leaving the token on hands an API credential to every
    /// workload that never asked for one.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: default
    ///   namespace: shop
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: default
    ///   namespace: shop
    /// automountServiceAccountToken: false
    /// ```
    /// Workloads that need the API get their own ServiceAccount.
    pub struct DefaultServiceAccountTokenAutomount {
        id: "SA-DEFAULT-TOKEN-AUTOMOUNT",
        title: "Default service account mounts its token",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Low,
        cwe: [1188, 522],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_41"],
        attack_scenario: "An attacker who gets a shell in any pod of the namespace that runs as `default` finds the automatically mounted token and uses it against the API server, with whatever roles `default` has been given over time.",
        mitigation: "Declare the namespace's `default` ServiceAccount with `automountServiceAccountToken: false` and give workloads that need the API their own ServiceAccounts.",
        checklist: ["rbac.no-default-service-account"],
    }
}

impl Check for DefaultServiceAccountTokenAutomount {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if o.kind != "ServiceAccount" || o.name != "default" || o.api_version != "v1" {
            return;
        }
        let flag = o
            .root
            .get("automountServiceAccountToken")
            .filter(|n| !n.is_null());
        match flag.map(|n| n.as_bool()) {
            Some(Some(false)) | Some(None) => {}
            Some(Some(true)) => {
                let loc = flag.map(|n| n.loc).unwrap_or(o.root.loc);
                on_object(out, o, loc, format!("{} sets `automountServiceAccountToken: true`: every pod without its own service account gets an API token", o.resource_id()));
            }
            None => {
                let loc = o
                    .metadata()
                    .and_then(|m| m.get("name"))
                    .map_or(o.root.loc, |n: &Node| n.loc);
                on_object(out, o, loc, format!("{} does not set `automountServiceAccountToken: false`: every pod without its own service account gets an API token", o.resource_id()));
            }
        }
    }
}
