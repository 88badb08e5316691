//! Prints the code facts extracted from source files, for rule authors:
//! `cargo run -p stridemap-ingest --example dump_facts -- FILE...` (`TREE=1` prints the syntax tree).
use stridemap_ingest::code::extract;
use stridemap_model::corpus::{FileKind, Language};
use stridemap_model::{FileId, SourceFile};

fn main() {
    if std::env::var("TREE").is_ok() {
        for p in std::env::args().skip(1) {
            tree(&p);
        }
        return;
    }
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap();
        let language = match path.rsplit('.').next() {
            Some("py") => Language::Python,
            Some("js") => Language::JavaScript,
            Some("ts") => Language::TypeScript,
            Some("go") => Language::Go,
            _ => Language::Java,
        };
        let source = SourceFile::new(path.clone(), FileKind::Source(language), text);
        let facts = extract(FileId(0), language, &source);
        println!("{}", serde_json::to_string_pretty(&facts).unwrap());
    }
}
#[allow(dead_code)]
fn tree(path: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut p = tree_sitter::Parser::new();
    p.set_language(&tree_sitter_python::LANGUAGE.into())
        .unwrap();
    let t = p.parse(&text, None).unwrap();
    println!("{}", t.root_node().to_sexp());
}
