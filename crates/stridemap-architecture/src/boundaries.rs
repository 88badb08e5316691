//! Trust boundaries: the internet edge, namespaces, the mesh and the host.

use crate::Builder;
use std::collections::BTreeMap;
use stridemap_model::architecture::{BoundaryKind, Role, TrustBoundary};

pub fn compute(b: &Builder) -> Vec<TrustBoundary> {
    let mut out = Vec::new();
    let ids = |f: &dyn Fn(&stridemap_model::architecture::ArchNode) -> bool| -> Vec<String> {
        let mut v: Vec<String> = b
            .nodes
            .iter()
            .filter(|n| f(n))
            .map(|n| n.id.clone())
            .collect();
        v.sort();
        v
    };
    let entry = ids(&|n| n.role == Role::EntryPoint);
    if !entry.is_empty() {
        out.push(TrustBoundary {
            id: "internet-edge".into(),
            kind: BoundaryKind::InternetEdge,
            name: "Internet ↔ system edge".into(),
            members: entry,
        });
    }
    let mut namespaces: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in b
        .nodes
        .iter()
        .filter(|n| !n.external && n.role != Role::EntryPoint)
    {
        if let Some(ns) = &n.namespace {
            namespaces.entry(ns.clone()).or_default().push(n.id.clone());
        }
    }
    for (ns, mut members) in namespaces {
        members.sort();
        out.push(TrustBoundary {
            id: format!("namespace:{ns}"),
            kind: BoundaryKind::Namespace,
            name: format!("namespace {ns}"),
            members,
        });
    }
    // Compose networks segment services: one boundary per network when services name them.
    let mut networks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (&i, nets) in &b.compose_networks {
        for net in nets {
            networks
                .entry(net.clone())
                .or_default()
                .push(b.nodes[i].id.clone());
        }
    }
    let single = networks.len() == 1;
    for (net, mut members) in networks {
        members.sort();
        let id = if single {
            "compose-network".to_string()
        } else {
            format!("compose-network:{net}")
        };
        out.push(TrustBoundary {
            id,
            kind: BoundaryKind::ComposeNetwork,
            name: format!("Compose network {net}"),
            members,
        });
    }
    let mesh = ids(&|n| n.mesh);
    if !mesh.is_empty() {
        out.push(TrustBoundary {
            id: "mesh".into(),
            kind: BoundaryKind::Mesh,
            name: "service mesh (sidecar injected)".into(),
            members: mesh,
        });
    }
    let host = ids(&|n| !n.host_access.is_empty());
    if !host.is_empty() {
        out.push(TrustBoundary {
            id: "host".into(),
            kind: BoundaryKind::Host,
            name: "container ↔ host (host namespaces, host paths, privileged)".into(),
            members: host,
        });
    }
    out
}

/// Boundaries with exactly one end of the flow inside. A flow seen only in Compose runs on the
/// Compose network, where namespaces and the mesh do not exist; a flow not seen in Compose does
/// not run there.
pub fn crossed(
    boundaries: &[TrustBoundary],
    membership: &Membership,
    from: &str,
    to: &str,
    discovered: &[String],
) -> Vec<String> {
    let compose_only = !discovered.is_empty() && discovered.iter().all(|d| d == "compose");
    let in_compose = discovered.iter().any(|d| d == "compose");
    let empty = std::collections::BTreeSet::new();
    let a = membership.get(from).unwrap_or(&empty);
    let b = membership.get(to).unwrap_or(&empty);
    // Only the boundaries exactly one end is in: the symmetric difference of their memberships.
    a.symmetric_difference(b)
        .map(|&i| &boundaries[i])
        .filter(|b| b.kind != BoundaryKind::Host)
        .filter(|b| match b.kind {
            BoundaryKind::ComposeNetwork => in_compose,
            BoundaryKind::Namespace | BoundaryKind::Mesh => !compose_only,
            _ => true,
        })
        .map(|b| b.id.clone())
        .collect()
}

/// For each node id, the indices of the boundaries it is a member of.
pub type Membership = BTreeMap<String, std::collections::BTreeSet<usize>>;

pub fn membership(boundaries: &[TrustBoundary]) -> Membership {
    let mut out = Membership::new();
    for (i, b) in boundaries.iter().enumerate() {
        for m in &b.members {
            out.entry(m.clone()).or_default().insert(i);
        }
    }
    out
}
