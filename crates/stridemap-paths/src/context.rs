//! Severity in context: the same weakness is worse on an internet-facing service that holds
//! credentials than on an internal job that holds none.

use crate::index::resource_nodes;
use std::collections::BTreeSet;
use stridemap_model::architecture::{ArchitectureGraph, Exposure, Role};
use stridemap_model::{Group, Severity};

/// What the architecture and the secret findings say about each service.
pub struct Context<'a> {
    arch: &'a ArchitectureGraph,
    /// Nodes with credentials in their environment, command line, image or code.
    credentialed: BTreeSet<String>,
}

fn raise(s: Severity) -> Severity {
    match s {
        Severity::Info => Severity::Low,
        Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        _ => Severity::Critical,
    }
}

fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        other => other,
    }
}

impl<'a> Context<'a> {
    /// `secret_findings`: (affected resources, affected components, evidence files) of every secrets
    /// finding.
    pub fn new(
        arch: &'a ArchitectureGraph,
        secret_findings: &[(&[String], &[String], Vec<&str>)],
    ) -> Self {
        let mut credentialed = BTreeSet::new();
        for (resources, components, files) in secret_findings {
            credentialed.extend(
                resource_nodes(arch, resources, files)
                    .into_iter()
                    .map(str::to_string),
            );
            credentialed.extend(
                components
                    .iter()
                    .filter(|c| arch.node(c).is_some())
                    .cloned(),
            );
        }
        // A connection string with a password is a credential the service holds too.
        for f in arch.flows() {
            if f.security
                .iter()
                .any(|s| s.contains("credentials in the connection string"))
            {
                credentialed.insert(f.from.clone());
            }
        }
        Context { arch, credentialed }
    }

    /// The contextual severity of a workload-hardening finding and why it differs from `base`.
    pub fn adjust(
        &self,
        group: Group,
        resources: &[String],
        files: &[&str],
        base: Severity,
    ) -> (Severity, Option<String>) {
        if !matches!(group, Group::ContainerSecurity | Group::SidecarInit) {
            return (base, None);
        }
        let nodes = resource_nodes(self.arch, resources, files);
        let mut best: Option<(Severity, String)> = None;
        for id in nodes {
            let Some(n) = self.arch.node(id) else {
                continue;
            };
            if n.role == Role::EntryPoint {
                continue;
            }
            let stores: Vec<&str> = self
                .arch
                .flows_from(id)
                .filter(|f| {
                    self.arch
                        .node(&f.to)
                        .is_some_and(|t| t.role == Role::DataStore)
                })
                .map(|f| f.to.as_str())
                .collect();
            let credentialed = self.credentialed.contains(id);
            let adjusted = if n.exposure == Exposure::Internet
                && (credentialed || !stores.is_empty())
            {
                let what = if credentialed {
                    "holds credentials".to_string()
                } else {
                    format!("talks to data store {}", stores.join(", "))
                };
                Some((
                    raise(base),
                    format!("raised from {base}: {id} is reachable from the internet and {what}"),
                ))
            } else if n.exposure == Exposure::Internal
                && !credentialed
                && stores.is_empty()
                && base != Severity::Critical
            {
                Some((lower(base), format!("lowered from {base}: {id} is not addressable by other services, holds no credentials and reaches no data store")))
            } else {
                None
            };
            if let Some((s, why)) = adjusted {
                if best.as_ref().is_none_or(|(b, _)| s < *b) {
                    best = Some((s, why));
                }
            }
        }
        match best {
            Some((s, why)) if s != base => (s, Some(why)),
            _ => (base, None),
        }
    }
}
