use super::util::{aks_node_pools, clusters, gke_node_pools, Provider};
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags GKE clusters with no node pool running GKE Sandbox (`sandbox_config` with
    /// `sandbox_type = "gvisor"`) and AKS clusters with no node pool using pod sandboxing
    /// (`workload_runtime = "KataMshvVmIsolation"`, or Kata VM isolation). EKS has no managed
    /// sandbox runtime and is not judged.
    ///
    /// ## Why is this bad?
    /// Without a sandboxed pool there is nowhere to run untrusted or exposed workloads
    /// (code from users, third-party plugins, parsers of uploaded files) with a second
    /// boundary: a kernel exploit from such a pod takes the node and every pod on it.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_container_node_pool" "general" {
    ///   cluster = google_container_cluster.main.id
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_container_node_pool" "sandboxed" {
    ///   cluster = google_container_cluster.main.id
    ///   node_config {
    ///     sandbox_config {
    ///       sandbox_type = "gvisor"
    ///     }
    ///   }
    /// }
    /// ```
    /// Then schedule untrusted workloads there with `runtimeClassName: gvisor`.
    pub struct NoSandboxNodePool {
        id: "CLOUD-NO-SANDBOX-NODE-POOL",
        title: "Managed cluster without a sandboxed node pool",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Low,
        cwe: [653],
        infra: [Terraform],
        equivalents: [],
        attack_scenario: "An attacker who runs code in an exposed workload exploits a kernel vulnerability from the container, since no sandbox runtime separates it from the host kernel, and takes over the node.",
        mitigation: "Add a node pool with GKE Sandbox (gVisor) or AKS pod sandboxing (Kata) and run untrusted or internet-facing workloads there with runtimeClassName.",
        checklist: ["gke.sandbox"],
    }
}

impl Check for NoSandboxNodePool {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for c in clusters(cx.corpus) {
            let sandboxed = match c.provider {
                Provider::Gke => gke_node_pools(cx.corpus, &c).iter().any(|(_, p)| {
                    p.nested(&["node_config", "sandbox_config"])
                        .is_some_and(|s| {
                            s.str("sandbox_type")
                                .or(s.str("type"))
                                .is_some_and(|t| t.eq_ignore_ascii_case("gvisor"))
                        })
                }),
                Provider::Aks => aks_node_pools(cx.corpus, &c).iter().any(|(_, p)| {
                    p.str("workload_runtime")
                        .is_some_and(|r| r.starts_with("Kata"))
                }),
                Provider::Eks => continue,
            };
            if !sandboxed {
                c.report(out, c.block.loc, format!("{} has no node pool with a sandboxed container runtime for untrusted workloads", c.describe()));
            }
        }
    }
}
