//! The scan's stages, measured separately on a generated system of 200 services, so that a
//! regression shows where it happened: the whole scan, then parse, model, rules, report (which
//! includes correlation), correlation alone (attack paths and STRIDE per element) and each
//! output format. `0 scan (all stages, JSON)` against `0 scan (all stages, every format)` is
//! what writing every format in one run costs over JSON alone (the goal: under 1.3x).
//!
//! `cargo bench -p stridemap-bench` — set `STRIDEMAP_BENCH_SERVICES` for another size.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

fn system() -> (tempfile::TempDir, PathBuf) {
    let services = std::env::var("STRIDEMAP_BENCH_SERVICES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path().join(format!("system-{services}"));
    stridemap_bench::generate(&root, services, 1).expect("generate the system");
    (dir, root)
}

/// Every output format of one report, as `scan -o r.json -o r.sarif -o r.html …` writes them.
fn render_every_format(report: &stridemap_model::Report) -> Vec<String> {
    stridemap_report::render_all(report, &stridemap_report::Format::ALL, false)
}

fn stages(c: &mut Criterion) {
    let (_keep, root) = system();
    let options = stridemap_ingest::Options::default();
    let corpus = stridemap_ingest::ingest(&root, &options);
    let arch = stridemap_architecture::build(&corpus);
    let rules = stridemap_rules::registry();
    let findings = stridemap_rules::run(&corpus, &arch, rules);
    let report = stridemap_report::assemble(&corpus, &arch, findings.clone(), "system");
    eprintln!(
        "system: {} files, {} nodes, {} threats, {} attack paths",
        corpus.files.len(),
        arch.graph.node_count(),
        report.threats.len(),
        report.attack_paths.len()
    );

    let mut group = c.benchmark_group("stages");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    // The whole scan, so that each stage's share is read off one run.
    group.bench_function("0 scan (all stages, JSON)", |b| {
        b.iter(|| {
            let corpus = stridemap_ingest::ingest(&root, &options);
            let arch = stridemap_architecture::build(&corpus);
            let findings = stridemap_rules::run(&corpus, &arch, rules);
            let report = stridemap_report::assemble(&corpus, &arch, findings, "system");
            black_box(stridemap_report::json::render(&report))
        })
    });
    group.bench_function("0 scan (all stages, every format)", |b| {
        b.iter(|| {
            let corpus = stridemap_ingest::ingest(&root, &options);
            let arch = stridemap_architecture::build(&corpus);
            let findings = stridemap_rules::run(&corpus, &arch, rules);
            let report = stridemap_report::assemble(&corpus, &arch, findings, "system");
            black_box(render_every_format(&report))
        })
    });
    group.bench_function("1 parse", |b| {
        b.iter(|| black_box(stridemap_ingest::ingest(&root, &options)))
    });
    group.bench_function("2 model", |b| {
        b.iter(|| black_box(stridemap_architecture::build(&corpus)))
    });
    group.bench_function("3 rules", |b| {
        b.iter(|| black_box(stridemap_rules::run(&corpus, &arch, rules)))
    });
    group.bench_function("4 report (with correlation)", |b| {
        b.iter_batched(
            || findings.clone(),
            |f| black_box(stridemap_report::assemble(&corpus, &arch, f, "system")),
            criterion::BatchSize::LargeInput,
        )
    });
    group.bench_function("5 correlation (attack paths, elements)", |b| {
        b.iter(|| black_box(stridemap_report::correlate(&arch, &report.threats)))
    });
    group.bench_function("6 render json", |b| {
        b.iter(|| black_box(stridemap_report::json::render(&report)))
    });
    group.bench_function("7 render sarif", |b| {
        b.iter(|| black_box(stridemap_report::sarif::render(&report)))
    });
    group.bench_function("7 render html", |b| {
        b.iter(|| black_box(stridemap_report::html::render(&report)))
    });
    group.bench_function("7 render markdown", |b| {
        b.iter(|| black_box(stridemap_report::markdown::render(&report)))
    });
    group.bench_function("7 render text", |b| {
        b.iter(|| black_box(stridemap_report::text::render(&report, false)))
    });
    group.bench_function("8 render every format", |b| {
        b.iter(|| black_box(render_every_format(&report)))
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
