use super::util::{clusters, resources, Provider};
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags managed clusters whose control-plane audit logs are not collected: an EKS
    /// cluster whose `enabled_cluster_log_types` lacks `audit`, a GKE cluster with
    /// `logging_service = "none"` or a `logging_config` that enables no component, an AKS
    /// cluster that no `azurerm_monitor_diagnostic_setting` targets (its `kube-audit` logs
    /// go nowhere).
    ///
    /// ## Why is this bad?
    /// Without the API server's audit log nobody can tell who read a Secret, created a
    /// privileged pod or bound cluster-admin: an intrusion leaves no trace and incident
    /// response has nothing to work from.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_eks_cluster" "main" {
    ///   enabled_cluster_log_types = ["api"]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_eks_cluster" "main" {
    ///   enabled_cluster_log_types = ["api", "audit", "authenticator"]
    /// }
    /// ```
    /// On AKS send the `kube-audit` category to a Log Analytics workspace with a diagnostic
    /// setting.
    pub struct ControlPlaneLoggingOff {
        id: "CLOUD-CONTROL-PLANE-LOGGING-OFF",
        title: "Managed cluster control-plane audit logging off",
        group: ContainerSecurity,
        stride: Repudiation,
        severity: Medium,
        cwe: [778],
        infra: [Terraform],
        equivalents: ["CKV_AWS_37"],
        attack_scenario: "An attacker who got API access reads Secrets and creates workloads; with no audit log the actions are never noticed and cannot be reconstructed afterwards.",
        mitigation: "Enable the API server's audit logs: EKS enabled_cluster_log_types with audit, GKE system and API server logging, AKS a diagnostic setting exporting kube-audit.",
        checklist: ["eks.control-plane-logs"],
    }
}

impl Check for ControlPlaneLoggingOff {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let diagnostic_settings = resources(cx.corpus, "azurerm_monitor_diagnostic_setting");
        for c in clusters(cx.corpus) {
            let b = c.block;
            match c.provider {
                Provider::Eks => {
                    let types = b.value("enabled_cluster_log_types");
                    let audited =
                        types.is_some_and(|t| !t.is_literal() || t.strings().contains(&"audit"));
                    if !audited {
                        c.report(
                            out,
                            b.attr("enabled_cluster_log_types").map_or(b.loc, |a| a.loc),
                            format!("{} does not ship the `audit` control-plane log (enabled_cluster_log_types)", c.describe()),
                        );
                    }
                }
                Provider::Gke => {
                    let none = b.str("logging_service") == Some("none");
                    let empty = b.block("logging_config").is_some_and(|l| {
                        l.value("enable_components")
                            .is_some_and(|v| v.is_literal() && v.strings().is_empty())
                    });
                    if none || empty {
                        let loc = b
                            .attr("logging_service")
                            .filter(|_| none)
                            .map_or(c.anchor(&["logging_config"], "enable_components"), |a| {
                                a.loc
                            });
                        c.report(
                            out,
                            loc,
                            format!("{} turns cluster logging off", c.describe()),
                        );
                    }
                }
                Provider::Aks => {
                    let exported = diagnostic_settings.iter().any(|(_, d)| {
                        d.value("target_resource_id")
                            .is_some_and(|v| v.refers_to(&c.address))
                    });
                    if !exported {
                        c.report(
                            out,
                            b.loc,
                            format!("{} has no diagnostic setting exporting its control-plane (kube-audit) logs", c.describe()),
                        );
                    }
                }
            }
        }
    }
}
