//! Render: findings become the numbered, fingerprinted, redacted [`Report`], and the report
//! becomes text, JSON, SARIF, Markdown or HTML. Rule documentation (`stridemap rules`, docs/rules.md) is
//! rendered here too, from the registry.

mod assemble;
pub mod baseline;
pub mod checklist;
mod diagram;
mod formats;
pub mod graph;
pub mod html;
pub mod json;
pub mod markdown;
pub mod rules_doc;
pub mod sarif;
pub mod suppress;
pub mod text;

pub use assemble::{assemble, assemble_with, correlate, AssembleOptions};
pub use formats::{render_all, Format};
