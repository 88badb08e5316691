//! Correlate: turns the architecture and the threats found on it into a threat model —
//! attack paths from entry points to what matters ([`attack_paths`]), STRIDE per element
//! ([`elements`]) and severity in context ([`Context`]).

mod attack;
mod context;
mod elements;
mod index;

pub use attack::attack_paths;
pub use context::Context;
pub use elements::elements;
pub use index::{resource_nodes, threat_elements, ThreatIndex};

use stridemap_model::architecture::{ArchNode, ArchitectureGraph};
use stridemap_model::report::{AttackPath, ElementModel};
use stridemap_model::Threat;

/// Attack paths and STRIDE per element, indexing the threats once for both.
pub fn correlate(
    arch: &ArchitectureGraph,
    threats: &[Threat],
    applies: &dyn Fn(&str, &ArchNode) -> bool,
) -> (Vec<AttackPath>, Vec<ElementModel>) {
    let index = ThreatIndex::new(threats);
    (
        attack::attack_paths_indexed(arch, &index),
        elements::elements_indexed(arch, &index, applies),
    )
}

/// The rule ids correlation reads (attack-graph edges and per-element controls), sorted. A rule
/// renamed without updating correlation would silently drop paths; a test compares this list
/// with the registry.
pub fn referenced_rule_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = attack::ATTACK_RULES
        .iter()
        .flat_map(|set| set.iter().copied())
        .chain(elements::control_rule_ids())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
