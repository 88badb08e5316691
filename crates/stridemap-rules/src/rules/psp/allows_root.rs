use super::util::{Flavor, Policy};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{Location, Node};

declare_rule! {
    /// ## What it does
    /// Flags admission policies whose user strategy accepts UID 0. For a PodSecurityPolicy:
    /// `runAsUser.rule: RunAsAny`, or `MustRunAs` with a range starting at 0. For a
    /// SecurityContextConstraints: `runAsUser.type: RunAsAny`, `MustRunAs` with `uid: 0`, or
    /// `MustRunAsRange` with `uidRangeMin: 0`. A policy with no `runAsUser` strategy is flagged
    /// too, since nothing in it keeps root out.
    ///
    /// ## Why is this bad?
    /// The user strategy is what stops images that default to root from running as root. With
    /// root admitted, every kernel or runtime escape and every writable host mount is exploited
    /// with full privileges, and files the container touches on shared volumes are owned by root.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   runAsUser:
    ///     rule: MustRunAs
    ///     ranges:
    ///       - min: 0
    ///         max: 65535
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   runAsUser:
    ///     rule: MustRunAsNonRoot
    /// ```
    /// Or keep `MustRunAs` with ranges that start at 1 or above. On OpenShift use
    /// `MustRunAsRange` without a zero `uidRangeMin`, or `MustRunAsNonRoot`.
    pub struct PspAllowsRoot {
        id: "PSP-ALLOWS-ROOT",
        title: "Pod security policy admits containers running as root",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [250],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_6", "kics:e3aa0612-4351-4a0d-983f-aefea25cf203"],
        attack_scenario: "An image built without a USER instruction is admitted and runs as UID 0; an attacker who gets code execution in it is already root and needs only one kernel bug or host mount to own the node.",
        mitigation: "Use `runAsUser.rule: MustRunAsNonRoot` (SCC: `type: MustRunAsNonRoot` or `MustRunAsRange` with a non-zero range), or ranges that exclude UID 0.",
        checklist: ["pod.non-root"],
    }
}

/// A UID bound written as a number; a missing or unreadable bound counts as 0.
fn bound_admits_root(node: Option<&Node>) -> bool {
    node.and_then(Node::as_i64).is_none_or(|uid| uid <= 0)
}

impl Check for PspAllowsRoot {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let Some(p) = Policy::of(o) else { return };
        let Some(strategy) = p.get("runAsUser", "runAsUser") else {
            p.report(
                out,
                p.anchor("runAsUser", "runAsUser"),
                format!(
                    "{} sets no runAsUser strategy, so nothing keeps containers from running as root",
                    p.id()
                ),
            );
            return;
        };
        let kind_key = match p.flavor {
            Flavor::Psp => "rule",
            Flavor::Scc => "type",
        };
        let Some(kind_node) = strategy.get(kind_key) else {
            return;
        };
        let kind = kind_node.as_str().unwrap_or("").trim();
        let mut hit: Option<(Location, String)> = None;
        match (p.flavor, kind) {
            (_, "RunAsAny") => {
                hit = Some((kind_node.loc, format!("runAsUser {kind_key} RunAsAny")));
            }
            (Flavor::Psp, "MustRunAs") => {
                hit = strategy
                    .get("ranges")
                    .map(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .find(|range| bound_admits_root(range.get("min")))
                    .map(|range| {
                        let max = range.get("max").and_then(Node::as_str).unwrap_or("?");
                        (
                            range.get("min").map_or(range.loc, |n| n.loc),
                            format!("runAsUser range 0-{max}"),
                        )
                    });
            }
            (Flavor::Scc, "MustRunAs") => {
                hit = strategy
                    .get("uid")
                    .filter(|uid| uid.as_i64() == Some(0))
                    .map(|uid| (uid.loc, "runAsUser uid 0".to_string()));
            }
            (Flavor::Scc, "MustRunAsRange") => {
                hit = strategy
                    .get("uidRangeMin")
                    .filter(|min| min.as_i64().is_some_and(|v| v <= 0))
                    .map(|min| (min.loc, "uidRangeMin 0".to_string()));
            }
            _ => {}
        }
        if let Some((loc, why)) = hit {
            p.report(
                out,
                loc,
                format!("{} admits containers running as root ({why})", p.id()),
            );
        }
    }
}
