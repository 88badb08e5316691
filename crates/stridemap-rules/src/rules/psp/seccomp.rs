use super::util::{Flavor, Policy};
use crate::helpers::key_loc;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags admission policies that do not give pods a confining seccomp profile by default:
    /// - a PodSecurityPolicy whose
    ///   `seccomp.security.alpha.kubernetes.io/defaultProfileName` annotation is missing or is
    ///   not `runtime/default`, `docker/default` or a `localhost/…` profile;
    /// - a SecurityContextConstraints whose `seccompProfiles` list is missing or empty, holds
    ///   only `*`, or has `unconfined` as its first concrete profile (the one SCC admission
    ///   applies to pods that do not choose).
    ///
    /// ## Why is this bad?
    /// Unless the kubelet is configured otherwise, a pod that does not ask for a seccomp profile
    /// runs unconfined, with the whole system call table available. The policy is the one place
    /// that can fill in a safe default for every pod it admits; without it, the kernel attack
    /// surface is left to each pod author.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// metadata:
    ///   name: workloads
    ///   annotations:
    ///     seccomp.security.alpha.kubernetes.io/allowedProfileNames: '*'
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// metadata:
    ///   name: workloads
    ///   annotations:
    ///     seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default
    ///     seccomp.security.alpha.kubernetes.io/allowedProfileNames: runtime/default
    /// ```
    /// On OpenShift, put `runtime/default` first in the SCC's `seccompProfiles`.
    pub struct PspSeccomp {
        id: "PSP-SECCOMP",
        title: "Pod security policy sets no default seccomp profile",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [693],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_32"],
        attack_scenario: "A pod admitted without a seccomp profile is compromised; the attacker calls rarely used system calls such as `keyctl` or `userfaultfd` to exploit a kernel bug that the runtime's default profile would have blocked, and escapes to the node.",
        mitigation: "Annotate the PodSecurityPolicy with `seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default` (SCC: `seccompProfiles: [runtime/default]`).",
    }
}

const DEFAULT_PROFILE: &str = "seccomp.security.alpha.kubernetes.io/defaultProfileName";

/// A profile that confines the process: the runtime's default or a profile file on the node.
fn confining(profile: &str) -> bool {
    let p = profile.trim();
    p == "runtime/default" || p == "docker/default" || p.starts_with("localhost/")
}

impl Check for PspSeccomp {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let Some(p) = Policy::of(o) else { return };
        match p.flavor {
            Flavor::Psp => {
                let annotation = o
                    .metadata()
                    .and_then(|m| m.get("annotations"))
                    .and_then(|a| a.get(DEFAULT_PROFILE));
                match annotation.and_then(|n| n.as_str().map(|s| (s, n))) {
                    Some((profile, _)) if confining(profile) => {}
                    Some((profile, node)) => {
                        p.report(
                            out,
                            node.loc,
                            format!(
                                "{} gives pods the seccomp profile `{}` by default, which does not confine them",
                                p.id(),
                                profile.trim()
                            ),
                        );
                    }
                    None => {
                        let loc = o
                            .metadata()
                            .map_or(o.root.loc, |m| key_loc(m, "annotations"));
                        p.report(
                            out,
                            loc,
                            format!(
                                "{} sets no default seccomp profile ({DEFAULT_PROFILE} annotation missing)",
                                p.id()
                            ),
                        );
                    }
                }
            }
            Flavor::Scc => {
                let profiles = p
                    .get("seccompProfiles", "seccompProfiles")
                    .map(|n| n.strings())
                    .unwrap_or_default();
                match profiles.iter().find(|(s, _)| s.trim() != "*") {
                    Some((profile, _)) if confining(profile) => {}
                    Some((profile, node)) => {
                        p.report(
                            out,
                            node.loc,
                            format!(
                                "{} gives pods the seccomp profile `{}` by default, which does not confine them",
                                p.id(),
                                profile.trim()
                            ),
                        );
                    }
                    None => {
                        p.report(
                            out,
                            p.anchor("seccompProfiles", "seccompProfiles"),
                            format!(
                                "{} names no concrete seccomp profile in seccompProfiles, so admitted pods get none by default",
                                p.id()
                            ),
                        );
                    }
                }
            }
        }
    }
}
