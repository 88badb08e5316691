//! The floor for stridemap's parse stage: walk a tree, read every file the scan would read and
//! run the same parsers on it alone (YAML events with saphyr-parser, Dockerfiles with
//! dockerfile-parser, source code with the tree-sitter grammars), building nothing from the
//! result. Compare with the `discover + parse` line of `STRIDEMAP_TIMINGS=1 stridemap scan`:
//! `cargo run --release -p stridemap-bench --example parse_floor -- DIR [rounds]`.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;
use stridemap_model::corpus::{FileKind, Language};

fn files(root: &Path) -> Vec<(PathBuf, FileKind)> {
    let (tx, rx) = std::sync::mpsc::channel();
    ignore::WalkBuilder::new(root)
        .follow_links(false)
        .build_parallel()
        .run(|| {
            let tx = tx.clone();
            Box::new(move |entry| {
                if let Ok(e) = entry {
                    if e.file_type().is_some_and(|t| t.is_file()) {
                        let name = e.file_name().to_string_lossy();
                        if let Some(kind) = stridemap_ingest::discover::kind_from_name(&name) {
                            let _ = tx.send((e.into_path(), kind));
                        }
                    }
                }
                ignore::WalkState::Continue
            })
        });
    drop(tx);
    rx.into_iter().collect()
}

fn yaml_events(text: &str) -> usize {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut n = 0;
    while let Some(Ok(_)) = parser.next_event() {
        n += 1;
    }
    n
}

fn grammar(lang: Language, path: &Path) -> tree_sitter::Language {
    match lang {
        Language::Python => tree_sitter_python::LANGUAGE.into(),
        Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Language::TypeScript if path.extension().is_some_and(|e| e == "tsx") => {
            tree_sitter_typescript::LANGUAGE_TSX.into()
        }
        Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Go => tree_sitter_go::LANGUAGE.into(),
        Language::Java => tree_sitter_java::LANGUAGE.into(),
    }
}

fn parse_one(path: &Path, kind: FileKind) -> usize {
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0;
    };
    match kind {
        FileKind::Yaml => yaml_events(&text),
        FileKind::Dockerfile => dockerfile_parser::Dockerfile::parse(&text)
            .map(|d| d.instructions.len())
            .unwrap_or(0),
        FileKind::Source(lang) => {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&grammar(lang, path)).expect("grammar");
            parser
                .parse(&text, None)
                .map(|t| t.root_node().child_count())
                .unwrap_or(0)
        }
        FileKind::Terraform => hcl_edit::parser::parse_body(&text)
            .map(|b| b.len())
            .unwrap_or(0),
        // Properties and NGINX files are few and small; read them like the scan does.
        FileKind::Properties | FileKind::Nginx => text.len(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("usage: parse_floor DIR [rounds]"));
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        let list = files(&root);
        let work: usize = list.par_iter().map(|(p, k)| parse_one(p, *k)).sum();
        let t = start.elapsed().as_secs_f64();
        eprintln!("parse floor: {} files, {work} units, {t:.3} s", list.len());
        best = best.min(t);
    }
    println!("{best:.3}");
}
