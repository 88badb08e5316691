//! Every output format, and rendering several of them from one report at once.

use rayon::prelude::*;
use stridemap_model::Report;

/// An output format of `stridemap scan`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Html,
    Markdown,
    Mermaid,
    Dot,
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 7] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Html,
        Format::Markdown,
        Format::Mermaid,
        Format::Dot,
    ];

    /// Renders the report; `color` applies to the text format only.
    pub fn render(self, report: &Report, color: bool) -> String {
        match self {
            Format::Text => crate::text::render(report, color),
            Format::Json => crate::json::render(report),
            Format::Sarif => crate::sarif::render(report),
            Format::Html => crate::html::render(report),
            Format::Markdown => crate::markdown::render(report),
            Format::Mermaid => crate::graph::mermaid_of_architecture(&report.architecture),
            Format::Dot => crate::graph::dot_of_architecture(&report.architecture),
        }
    }
}

/// Renders each of `formats`, in the same order. The renderers share nothing but the report, so
/// they run in parallel: several formats cost about as much as the largest of them.
pub fn render_all(report: &Report, formats: &[Format], color: bool) -> Vec<String> {
    formats
        .par_iter()
        .map(|f| f.render(report, color))
        .collect()
}
