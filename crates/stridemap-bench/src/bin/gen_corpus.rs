//! Writes a synthetic system of N services for benchmarks: `stridemap-gen-corpus 1000 --out DIR`.

use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    about = "Write a synthetic system of N services (Kubernetes, Istio, compose, Dockerfiles, code)"
)]
struct Args {
    /// Number of services.
    services: usize,
    /// Directory to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Seed of the deterministic generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let generated = stridemap_bench::generate(&args.out, args.services, args.seed)?;
    eprintln!(
        "wrote {} services, {} files, {} bytes to {}",
        generated.services,
        generated.files,
        generated.bytes,
        args.out.display()
    );
    for (what, count) in &generated.injected {
        eprintln!("  {count:6}  {what}");
    }
    Ok(())
}
