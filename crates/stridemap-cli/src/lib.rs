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
    // `STRIDEMAP_TIMINGS=1` prints how long each stage took, on stderr.
    let timings = std::env::var_os("STRIDEMAP_TIMINGS").is_some();
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &str| {
        if timings {
            eprintln!("stridemap: {name}: {:.3}s", clock.elapsed().as_secs_f64());
        }
        clock = std::time::Instant::now();
    };
    stage("reading and parsing files");
    let corpus = stridemap_ingest::ingest(root, options);
    lap("discover + parse");
    stage("building the architecture model");
    let arch = stridemap_architecture::build(&corpus);
    lap("architecture");
    stage(&format!("running rules over {} files", corpus.files.len()));
    let findings = stridemap_rules::run(&corpus, &arch, stridemap_rules::registry());
    lap("rules");
    stage("writing the report");
    let report = stridemap_report::assemble(&corpus, &arch, findings, &display_target(root));
    lap("report");
    report
}

/// Only the architecture model of `root` (discover → parse → model), for diagrams.
pub fn model(root: &Path, options: &Options) -> stridemap_model::architecture::ArchitectureGraph {
    let corpus = stridemap_ingest::ingest(root, options);
    stridemap_architecture::build(&corpus)
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
