//! Terraform through the whole ingest: files of a module directory resolved together, local
//! modules followed with their arguments, syntax errors reported with a line while the rest of
//! the scan goes on.

use std::fs;
use std::path::Path;
use stridemap_ingest::{ingest, Options};
use stridemap_model::terraform::TfValue;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

#[test]
fn modules_variables_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "infra/main.tf",
        "module \"cluster\" {\n  source = \"../modules/eks\"\n  public = var.public\n}\n",
    );
    write(
        root,
        "infra/variables.tf",
        "variable \"public\" {\n  default = true\n}\n",
    );
    write(root, "infra/terraform.tfvars", "public = false\n");
    write(
        root,
        "modules/eks/main.tf",
        "variable \"public\" {\n  default = true\n}\n\nresource \"aws_eks_cluster\" \"this\" {\n  vpc_config {\n    endpoint_public_access = var.public\n  }\n}\n",
    );
    write(
        root,
        "broken/main.tf",
        "resource \"x\" \"y\" {\n  a = = 1\n}\n",
    );
    write(root, "k8s/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a, image: a:1}]}\n");
    let corpus = ingest(root, &Options::default());
    // The tfvars value reaches the module through the call's argument.
    let module = corpus
        .terraform
        .iter()
        .find(|f| f.dir == "modules/eks")
        .unwrap();
    let cluster = module.resources("aws_eks_cluster").next().unwrap();
    let attr = cluster
        .block("vpc_config")
        .unwrap()
        .attr("endpoint_public_access")
        .unwrap();
    assert_eq!(attr.value, TfValue::Bool(false));
    assert_eq!(attr.resolved_from.as_deref(), Some("var.public"));
    assert_eq!(attr.loc.line, 7);
    // The broken file is a diagnostic with its line; everything else was read.
    let d = corpus
        .diagnostics
        .iter()
        .find(|d| d.code == "terraform-syntax")
        .expect("syntax diagnostic");
    assert_eq!(d.file, "broken/main.tf");
    assert_eq!(d.line, Some(2));
    assert_eq!(corpus.objects.len(), 1);
    assert_eq!(corpus.terraform.len(), 4);
}
