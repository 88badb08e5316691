//! Runs one stage in a loop on a generated system, for a profiler:
//! `cargo run --release -p stridemap-bench --example profile_stage -- correlate 200 50`.

fn main() {
    let mut args = std::env::args().skip(1);
    let stage = args.next().unwrap_or_else(|| "correlate".into());
    let services: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let dir = tempfile::tempdir().expect("temporary directory");
    stridemap_bench::generate(dir.path(), services, 1).expect("generate");
    let corpus = stridemap_ingest::ingest(dir.path(), &stridemap_ingest::Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let findings = stridemap_rules::run(&corpus, &arch, stridemap_rules::registry());
    let report = stridemap_report::assemble(&corpus, &arch, findings.clone(), "system");
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        match stage.as_str() {
            "parse" => drop(std::hint::black_box(stridemap_ingest::ingest(
                dir.path(),
                &Default::default(),
            ))),
            "model" => drop(std::hint::black_box(stridemap_architecture::build(&corpus))),
            "rules" => drop(std::hint::black_box(stridemap_rules::run(
                &corpus,
                &arch,
                stridemap_rules::registry(),
            ))),
            "report" => drop(std::hint::black_box(stridemap_report::assemble(
                &corpus,
                &arch,
                findings.clone(),
                "system",
            ))),
            "paths" => drop(std::hint::black_box(stridemap_paths::attack_paths(
                &arch,
                &report.threats,
            ))),
            _ => drop(std::hint::black_box(stridemap_report::correlate(
                &arch,
                &report.threats,
            ))),
        }
    }
    eprintln!(
        "{stage}: {:.1} ms per round",
        start.elapsed().as_secs_f64() * 1000.0 / rounds as f64
    );
}
