//! STRIDE per element: for each service, data store, broker and flow, every category that
//! applies to its element type, marked threatened (with threats), mitigated (with what was seen
//! protecting it) or unknown.

use crate::index::ThreatIndex;
use stridemap_model::architecture::{ArchNode, ArchitectureGraph, Flow, Role};
use stridemap_model::report::{CategoryVerdict, ElementModel, Verdict};
use stridemap_model::{Stride, Threat};

use Stride::*;

/// Every rule id [`controls`] names.
pub(crate) fn control_rule_ids() -> impl Iterator<Item = &'static str> {
    [
        Spoofing,
        Tampering,
        Repudiation,
        InformationDisclosure,
        DenialOfService,
        ElevationOfPrivilege,
    ]
    .into_iter()
    .flat_map(|c| controls(c).iter().copied())
}

/// Rules whose silence on an element is evidence of a control, per category.
fn controls(category: Stride) -> &'static [&'static str] {
    match category {
        Spoofing => &[
            "MESH-NO-AUTHORIZATION-POLICY",
            "S2S-UNAUTHENTICATED-INTERNAL-ENDPOINT",
            "SA-TOKEN-AUTOMOUNT",
            "GW-NO-AUTH",
        ],
        Tampering => &[
            "CTR-WRITABLE-ROOT-FILESYSTEM",
            "IMG-LATEST-TAG",
            "IMG-NO-DIGEST",
            "CODE-UNSAFE-DESERIALIZATION",
            "DKR-CURL-PIPE-SHELL",
        ],
        Repudiation => &[],
        InformationDisclosure => &[
            "SEC-ENV-CREDENTIAL",
            "SEC-SECRET-ENV-VAR",
            "SEC-COMMAND-CREDENTIAL",
            "CODE-SECRET-IN-LOG",
            "CODE-HARDCODED-SECRET",
            "SEC-DOCKERFILE-CREDENTIAL",
        ],
        DenialOfService => &[
            "CTR-NO-MEMORY-LIMIT",
            "CTR-NO-CPU-LIMIT",
            "CODE-NO-TIMEOUT",
            "CODE-UNBOUNDED-RETRY",
        ],
        ElevationOfPrivilege => &[
            "CTR-RUN-AS-ROOT",
            "CTR-PRIVILEGED",
            "CTR-PRIVILEGE-ESCALATION",
            "CTR-CAPABILITIES-NOT-DROPPED",
            "CTR-SECCOMP-UNCONFINED",
            "NET-NO-POLICY",
            "DKR-MISSING-USER",
        ],
    }
}

fn categories_for(role: Role, external: bool) -> (&'static str, &'static [Stride]) {
    match (role, external) {
        (_, true) => ("external_entity", &[Spoofing, Repudiation]),
        (Role::DataStore, _) => (
            "data_store",
            &[
                Tampering,
                Repudiation,
                InformationDisclosure,
                DenialOfService,
            ],
        ),
        _ => (
            "process",
            &[
                Spoofing,
                Tampering,
                Repudiation,
                InformationDisclosure,
                DenialOfService,
                ElevationOfPrivilege,
            ],
        ),
    }
}

fn verdict(category: Stride, threats: Vec<&Threat>, evidence: Vec<String>) -> CategoryVerdict {
    let mut ids: Vec<String> = threats.iter().map(|t| t.id.clone()).collect();
    ids.sort();
    ids.dedup();
    let status = if !ids.is_empty() {
        Verdict::Threatened
    } else if !evidence.is_empty() {
        Verdict::Mitigated
    } else {
        Verdict::Unknown
    };
    let evidence = if status == Verdict::Mitigated {
        evidence
    } else {
        Vec::new()
    };
    CategoryVerdict {
        category,
        status,
        threats: ids,
        evidence,
    }
}

/// Positive facts the architecture records about a node, per category.
fn facts(arch: &ArchitectureGraph, n: &ArchNode, category: Stride) -> Vec<String> {
    let incoming: Vec<&Flow> = arch
        .flows_into(&n.id)
        .filter(|f| {
            arch.node(&f.from)
                .is_some_and(|s| s.role != Role::EntryPoint)
        })
        .collect();
    let mut out = Vec::new();
    match category {
        Spoofing | ElevationOfPrivilege if n.network_policy => {
            out.push("selected by a NetworkPolicy".to_string())
        }
        _ => {}
    }
    if matches!(category, Spoofing | Tampering | InformationDisclosure) && !incoming.is_empty() {
        let want = if category == Spoofing {
            "authenticated: "
        } else {
            "encrypted: "
        };
        let all = incoming
            .iter()
            .all(|f| f.security.iter().any(|s| s.starts_with(want)));
        if all {
            let mut why: Vec<String> = incoming
                .iter()
                .flat_map(|f| f.security.iter().filter(|s| s.starts_with(want)).cloned())
                .collect();
            why.sort();
            why.dedup();
            out.push(format!("every incoming flow is {}", why.join("; ")));
        }
    }
    out
}

/// STRIDE per element for every node (entry points aside) and flow. `applies(rule, node)` says
/// whether a rule examines that kind of node, so that its silence is evidence.
pub fn elements(
    arch: &ArchitectureGraph,
    threats: &[Threat],
    applies: &dyn Fn(&str, &ArchNode) -> bool,
) -> Vec<ElementModel> {
    elements_indexed(arch, &ThreatIndex::new(threats), applies)
}

/// [`elements`] over threats already indexed.
pub(crate) fn elements_indexed(
    arch: &ArchitectureGraph,
    index: &ThreatIndex,
    applies: &dyn Fn(&str, &ArchNode) -> bool,
) -> Vec<ElementModel> {
    let mut out = Vec::new();
    let mut nodes: Vec<&ArchNode> = arch
        .nodes()
        .filter(|n| n.role != Role::EntryPoint)
        .collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    for n in nodes {
        let (element_type, cats) = categories_for(n.role, n.external);
        let on_node = index.all_on(&n.id);
        let categories = cats
            .iter()
            .map(|&c| {
                let threats: Vec<&Threat> = on_node
                    .iter()
                    .copied()
                    .filter(|t| t.category == c)
                    .collect();
                let mut evidence = facts(arch, n, c);
                let checked: Vec<&str> = controls(c)
                    .iter()
                    .copied()
                    .filter(|r| applies(r, n) && !on_node.iter().any(|t| t.rule == *r))
                    .collect();
                if !checked.is_empty() && !n.external {
                    evidence.push(format!("checked, not found: {}", checked.join(", ")));
                }
                verdict(c, threats, evidence)
            })
            .collect();
        out.push(ElementModel {
            id: n.id.clone(),
            element_type: element_type.into(),
            name: n.name.clone(),
            categories,
        });
    }
    let mut flows: Vec<&Flow> = arch.flows().collect();
    flows.sort_by(|a, b| a.id.cmp(&b.id));
    for f in flows {
        let on_flow = index.all_on(&f.id);
        let categories = [Tampering, InformationDisclosure, DenialOfService]
            .into_iter()
            .map(|c| {
                let threats: Vec<&Threat> = on_flow
                    .iter()
                    .copied()
                    .filter(|t| {
                        t.category == c
                            || (c == InformationDisclosure
                                && t.category == Tampering
                                && t.rule == "S2S-PLAINTEXT-FLOW")
                    })
                    .collect();
                let evidence: Vec<String> = if matches!(c, Tampering | InformationDisclosure) {
                    f.security
                        .iter()
                        .filter(|s| s.starts_with("encrypted: "))
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                verdict(c, threats, evidence)
            })
            .collect();
        let name = match &f.topic {
            Some(t) => format!("{} → {} ({} {t})", f.from, f.to, f.protocol),
            None => format!("{} → {} ({})", f.from, f.to, f.protocol),
        };
        out.push(ElementModel {
            id: f.id.clone(),
            element_type: "data_flow".into(),
            name,
            categories,
        });
    }
    out
}
