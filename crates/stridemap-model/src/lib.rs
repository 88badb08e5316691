//! The shared language of stridemap.
//!
//! Every stage of the pipeline (discover → parse → model → rules → paths → render) speaks in
//! these types: source locations, the typed documents produced by the parsers, rule metadata,
//! the threats the rules report and the JSON report contract.

pub mod architecture;
pub mod checklist;
pub mod code;
pub mod compose;
pub mod corpus;
pub mod dockerfile;
pub mod image;
pub mod k8s;
pub mod location;
pub mod mesh;
pub mod network_policy;
pub mod nginx;
pub mod properties;
pub mod report;
pub mod rule;
pub mod terraform;
pub mod yaml;

pub use corpus::{Corpus, FileId, SourceFile};
pub use location::{Evidence, Location};
pub use report::{Diagnostic, DiagnosticLevel, Report, Threat};
pub use rule::{Group, InfraType, RuleMeta, Severity, Stride};
pub use yaml::{Node, Value};
