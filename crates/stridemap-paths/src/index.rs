//! Which architecture nodes and flows each threat concerns.

use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use stridemap_model::architecture::ArchitectureGraph;
use stridemap_model::Threat;

/// The nodes of a finding's resources. `Deployment/api` or `ComposeService/postgres` can name
/// one node per namespace or Compose file: when a resource names several, the ones defined in
/// `files` (where the finding's evidence is) are meant; failing that, the ones in a namespace of
/// the finding's other nodes; only when neither tells them apart, all of them.
pub fn resource_nodes<'g>(
    arch: &'g ArchitectureGraph,
    resources: &[String],
    files: &[&str],
) -> BTreeSet<&'g str> {
    let mut out = BTreeSet::new();
    let mut unresolved = Vec::new();
    for r in resources {
        let candidates = arch.nodes_of_resource(r);
        if candidates.len() <= 1 {
            out.extend(candidates);
            continue;
        }
        let before = out.len();
        for file in files {
            out.extend(arch.nodes_of_resource_in(r, file));
        }
        if out.len() == before {
            unresolved.push(candidates);
        }
    }
    if unresolved.is_empty() {
        return out;
    }
    let namespaces: BTreeSet<&str> = out
        .iter()
        .filter_map(|id| arch.node(id)?.namespace.as_deref())
        .collect();
    for candidates in unresolved {
        let in_namespace: Vec<&str> = candidates
            .clone()
            .filter(|id| {
                arch.node(id)
                    .and_then(|n| n.namespace.as_deref())
                    .is_some_and(|ns| namespaces.contains(ns))
            })
            .collect();
        if in_namespace.is_empty() {
            out.extend(candidates);
        } else {
            out.extend(in_namespace);
        }
    }
    out
}

/// Node ids a threat concerns: the nodes of its affected resources, and components that are
/// node ids (system-level rules name nodes directly).
fn threat_nodes(
    arch: &ArchitectureGraph,
    resources: &[String],
    components: &[String],
    files: &[&str],
) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = resource_nodes(arch, resources, files)
        .into_iter()
        .map(str::to_string)
        .collect();
    out.extend(
        components
            .iter()
            .filter(|c| arch.node(c).is_some())
            .cloned(),
    );
    out
}

/// Node and flow ids for a threat's `elements`.
pub fn threat_elements(
    arch: &ArchitectureGraph,
    resources: &[String],
    components: &[String],
    files: &[&str],
) -> Vec<String> {
    let nodes = threat_nodes(arch, resources, components, files);
    let mut out: Vec<String> = nodes.iter().cloned().collect();
    // A threat naming both ends of a flow concerns the flow.
    for from in components.iter().filter(|c| nodes.contains(*c)) {
        for f in arch.flows_from(from) {
            if nodes.contains(&f.to) && components.contains(&f.to) {
                out.push(f.id.clone());
            }
        }
    }
    out
}

/// Threats by the node and flow ids they concern, and by rule.
pub struct ThreatIndex<'a> {
    pub by_element: FxHashMap<&'a str, Vec<&'a Threat>>,
    pub by_rule: FxHashMap<&'a str, Vec<&'a Threat>>,
    /// (element, rule) → threats: the attack graph asks "threats of these rules on this
    /// element" thousands of times.
    by_element_rule: FxHashMap<(&'a str, &'a str), Vec<&'a Threat>>,
}

impl<'a> ThreatIndex<'a> {
    pub fn new(threats: &'a [Threat]) -> Self {
        let mut by_element: FxHashMap<&str, Vec<&Threat>> = FxHashMap::default();
        let mut by_rule: FxHashMap<&str, Vec<&Threat>> = FxHashMap::default();
        let mut by_element_rule: FxHashMap<(&str, &str), Vec<&Threat>> = FxHashMap::default();
        for t in threats {
            for e in &t.elements {
                by_element.entry(e.as_str()).or_default().push(t);
                by_element_rule
                    .entry((e.as_str(), t.rule))
                    .or_default()
                    .push(t);
            }
            by_rule.entry(t.rule).or_default().push(t);
        }
        ThreatIndex {
            by_element,
            by_rule,
            by_element_rule,
        }
    }

    /// Every threat on an element.
    pub fn all_on(&self, element: &str) -> &[&'a Threat] {
        self.by_element
            .get(element)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Threats of the given rules on an element, in the order the threats were given.
    pub fn on(&self, element: &str, rules: &[&str]) -> Vec<&'a Threat> {
        let mut out: Vec<&'a Threat> = rules
            .iter()
            .filter_map(|r| self.by_element_rule.get(&(element, *r)))
            .flatten()
            .copied()
            .collect();
        if out.len() > 1 {
            out.sort_by_key(|t| *t as *const Threat);
            out.dedup_by_key(|t| *t as *const Threat);
        }
        out
    }

    /// Threats of the given rules anywhere, in id order.
    pub fn of_rules(&self, rules: &[&str]) -> Vec<&'a Threat> {
        let mut out: Vec<&Threat> = rules
            .iter()
            .flat_map(|r| self.by_rule.get(r).into_iter().flatten().copied())
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}
