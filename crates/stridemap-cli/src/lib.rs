//! The pipeline, end to end: discover → parse → rules → report.

use std::path::Path;
use stridemap_ingest::Options;
use stridemap_model::Report;

/// Scans `root` (a directory or a single file) with every registered rule.
pub fn scan(root: &Path, options: &Options) -> Report {
    scan_with_progress(root, options, |_| {})
}

/// [`scan`], announcing each stage as it starts (for a progress display).
pub fn scan_with_progress(root: &Path, options: &Options, mut stage: impl FnMut(&str)) -> Report {
    stage("reading and parsing files");
    let corpus = stridemap_ingest::ingest(root, options);
    stage(&format!("running rules over {} files", corpus.files.len()));
    let findings = stridemap_rules::run(&corpus, stridemap_rules::registry());
    stage("writing the report");
    stridemap_report::assemble(&corpus, findings, &display_target(root))
}

/// The target as the user named it, with `/` separators.
fn display_target(root: &Path) -> String {
    let s = root.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}
