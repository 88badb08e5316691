//! The JSON report: the contract other tools read.

use std::io::Write;
use stridemap_model::Report;

/// Writes the report straight to `out`, without holding the whole text in memory (a large
/// system's report runs to hundreds of megabytes).
pub fn write(report: &Report, out: impl std::io::Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()
}

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("report serialises");
    s.push('\n');
    s
}
