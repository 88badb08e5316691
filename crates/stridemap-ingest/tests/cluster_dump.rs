//! `kubectl get … -o yaml` / `-o json` output: a `List` of live objects, read as the system it
//! describes (server bookkeeping dropped, objects created by a listed controller not repeated).

use std::path::Path;
use stridemap_ingest::{ingest, Options};
use stridemap_model::Corpus;

fn scan(file: &str) -> Corpus {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/dumps")
        .join(file);
    ingest(&path, &Options::default())
}

fn ids(corpus: &Corpus) -> Vec<String> {
    corpus.objects.iter().map(|o| o.qualified_id()).collect()
}

#[test]
fn yaml_list_keeps_controllers_and_drops_what_they_created() {
    let corpus = scan("get-all.yaml");
    assert_eq!(
        ids(&corpus),
        [
            "Deployment/shop/web",
            // Its owner is not in the dump, so it is the only trace of what runs.
            "Pod/shop/debug",
            "ServiceAccount/shop/web",
        ]
    );
    assert!(corpus.diagnostics.is_empty(), "{:?}", corpus.diagnostics);
}

#[test]
fn status_and_managed_fields_are_not_read() {
    let corpus = scan("get-all.yaml");
    let web = &corpus.objects[0];
    assert!(web.root.get("status").is_none());
    let metadata = web.metadata().unwrap();
    assert!(metadata.get("managedFields").is_none());
    assert_eq!(metadata.get("uid").and_then(|n| n.as_str()), Some("1111"));
    // What the author wrote keeps its position in the dump.
    let privileged = web
        .root
        .path(&["spec", "template", "spec", "containers"])
        .unwrap()
        .as_seq()[0]
        .path(&["securityContext", "privileged"])
        .unwrap();
    assert_eq!(privileged.loc.line, 33);
}

#[test]
fn json_list_is_read_like_yaml() {
    let corpus = scan("get-all.json");
    assert_eq!(
        ids(&corpus),
        ["ClusterRoleBinding//ops-admin", "Service/shop/web"]
    );
    let binding = &corpus.objects[0];
    assert!(binding.metadata().unwrap().get("managedFields").is_none());
    assert!(corpus.objects[1].root.get("status").is_none());
    assert_eq!(
        binding.root.path(&["roleRef", "name"]).unwrap().loc.line,
        23
    );
}
