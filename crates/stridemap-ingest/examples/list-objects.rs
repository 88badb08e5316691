//! Lists the Kubernetes objects a scan reads (the file read or generated, kind, namespace, name, and the file and line
//! they are reported at), then the diagnostics: `cargo run -p stridemap-ingest --example
//! list-objects -- DIR`.

use std::path::PathBuf;
use stridemap_ingest::{ingest, Options};

fn main() {
    let root: PathBuf = std::env::args_os()
        .nth(1)
        .map(Into::into)
        .unwrap_or_else(|| ".".into());
    let corpus = ingest(&root, &Options::default());
    for o in &corpus.objects {
        let e = corpus.evidence(o.file, o.root.loc);
        println!(
            "{}\t{}\t{}\t{}\t{}:{}",
            corpus.file(o.file).path,
            o.kind,
            o.namespace.as_deref().unwrap_or("-"),
            o.name,
            e.file,
            e.line
        );
    }
    for d in &corpus.diagnostics {
        eprintln!("{d:?}");
    }
}
