//! Render: findings become the numbered, fingerprinted, redacted [`Report`], and the report
//! becomes text, JSON or Markdown. Rule documentation (`stridemap rules`, docs/rules.md) is
//! rendered here too, from the registry.

mod assemble;
pub mod baseline;
pub mod graph;
pub mod json;
pub mod markdown;
pub mod rules_doc;
pub mod suppress;
pub mod text;

pub use assemble::{assemble, assemble_with, correlate, AssembleOptions};
