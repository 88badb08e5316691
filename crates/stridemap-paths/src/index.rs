//! Which architecture nodes and flows each threat concerns.

use std::collections::{BTreeSet, HashMap};
use stridemap_model::architecture::ArchitectureGraph;
use stridemap_model::Threat;

/// Node ids a threat concerns: the nodes of its affected resources, and components that are
/// node ids (system-level rules name nodes directly).
fn threat_nodes(
    arch: &ArchitectureGraph,
    resources: &[String],
    components: &[String],
) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = resources
        .iter()
        .flat_map(|r| arch.nodes_of_resource(r).iter().cloned())
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
) -> Vec<String> {
    let nodes = threat_nodes(arch, resources, components);
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
    pub by_element: HashMap<&'a str, Vec<&'a Threat>>,
    pub by_rule: HashMap<&'a str, Vec<&'a Threat>>,
}

impl<'a> ThreatIndex<'a> {
    pub fn new(threats: &'a [Threat]) -> Self {
        let mut by_element: HashMap<&str, Vec<&Threat>> = HashMap::new();
        let mut by_rule: HashMap<&str, Vec<&Threat>> = HashMap::new();
        for t in threats {
            for e in &t.elements {
                by_element.entry(e.as_str()).or_default().push(t);
            }
            by_rule.entry(t.rule.as_str()).or_default().push(t);
        }
        ThreatIndex {
            by_element,
            by_rule,
        }
    }

    /// Every threat on an element.
    pub fn all_on(&self, element: &str) -> &[&'a Threat] {
        self.by_element
            .get(element)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Threats of the given rules on an element.
    pub fn on(&self, element: &str, rules: &[&str]) -> Vec<&'a Threat> {
        self.all_on(element)
            .iter()
            .copied()
            .filter(|t| rules.contains(&t.rule.as_str()))
            .collect()
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
