//! Rules over documents and over the whole corpus.
//!
//! Each rule lives in its own file under `rules/`, declared with [`declare_rule!`]: its doc
//! comment is its documentation and the block next to it is its metadata. The registry in
//! `rules/mod.rs` is the single list of rules; `stridemap rules`, `stridemap explain`,
//! docs/rules.md and the renderers all read it.

#[macro_use]
mod macros;
pub mod checklist;
mod engine;
mod finding;
pub mod helpers;
pub mod rules;
pub mod secrets;

pub use engine::{run, run_with, Context, Settings};
pub use finding::{Finding, Sink};
pub use rules::registry;

use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::properties::PropertiesFile;
use stridemap_model::RuleMeta;

/// What a rule looks at. Every method has an empty default: a rule implements the ones for the
/// documents it understands, and the engine calls each once per document.
pub trait Check {
    /// Every Kubernetes object (workloads included).
    fn check_object(&self, _object: &K8sObject, _cx: &Context, _out: &mut Sink) {}
    /// Every object that runs pods, with its pod spec normalised.
    fn check_workload(&self, _workload: &Workload, _cx: &Context, _out: &mut Sink) {}
    /// Every service of every Compose file.
    fn check_compose_service(
        &self,
        _compose: &ComposeFile,
        _service: &ComposeService,
        _cx: &Context,
        _out: &mut Sink,
    ) {
    }
    fn check_dockerfile(&self, _dockerfile: &Dockerfile, _cx: &Context, _out: &mut Sink) {}
    fn check_properties(&self, _properties: &PropertiesFile, _cx: &Context, _out: &mut Sink) {}
    /// Once per scan, for judgements that join several documents.
    fn check_corpus(&self, _cx: &Context, _out: &mut Sink) {}
}

pub trait Rule: Check + Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
}

/// Looks a rule up by id, case-insensitively.
pub fn find_rule(id: &str) -> Option<&'static dyn Rule> {
    // The report asks once per element and category: index the registry once.
    static BY_ID: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static dyn Rule>> =
        std::sync::OnceLock::new();
    let by_id = BY_ID.get_or_init(|| registry().iter().map(|r| (r.meta().id, *r)).collect());
    by_id.get(id).copied().or_else(|| {
        registry()
            .iter()
            .copied()
            .find(|r| r.meta().id.eq_ignore_ascii_case(id))
    })
}
