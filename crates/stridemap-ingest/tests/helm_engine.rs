//! The built-in Go template engine against golden outputs: every template under
//! `tests/helm/engine/` is rendered with `values.yaml` there, and each output line is shown with
//! the template line it is attributed to.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stridemap_ingest::helm::{funcs, render_text, value::V};
use stridemap_ingest::yaml::{parse_documents, YamlLimits};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helm/engine")
}

fn dot() -> V {
    let text = std::fs::read_to_string(dir().join("values.yaml")).unwrap();
    let (docs, err) = parse_documents(&text, YamlLimits::default());
    assert!(err.is_none());
    let values = V::from_node(&docs[0].1);
    V::Map(BTreeMap::from([
        ("Values".to_string(), values),
        (
            "Release".to_string(),
            V::Map(BTreeMap::from([("Name".to_string(), V::str("rel"))])),
        ),
    ]))
}

fn fixtures() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tpl"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Output lines prefixed with the template line they map to.
fn annotated(name: &str, src: &str) -> String {
    let out = render_text(name, src, &dot()).unwrap_or_else(|e| panic!("{e}"));
    out.text
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            let origin = out
                .lines
                .get(i)
                .copied()
                .flatten()
                .map_or("  ".to_string(), |p| format!("{:2}", p.line));
            format!("{origin} | {line}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn golden_outputs() {
    for (name, src) in fixtures() {
        insta::assert_snapshot!(format!("engine_{name}"), annotated(&name, &src));
    }
}

#[test]
fn every_supported_function_has_a_fixture() {
    let all: String = fixtures().into_iter().map(|(_, s)| s).collect();
    let missing: Vec<&str> = funcs::SUPPORTED
        .iter()
        .copied()
        .filter(|f| {
            !all.match_indices(f).any(|(i, _)| {
                let before = all[..i].chars().last().unwrap_or(' ');
                let after = all[i + f.len()..].chars().next().unwrap_or(' ');
                !before.is_alphanumeric() && !after.is_alphanumeric()
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "functions without a fixture: {missing:?}"
    );
}

#[test]
fn errors_name_the_line() {
    let err = render_text(
        "t",
        "a: 1\nb: {{ required \"b is required\" .Values.b }}\n",
        &dot(),
    )
    .unwrap_err();
    assert_eq!(err, "t:2: b is required");
    let err = render_text("t", "x\n\n{{ .Values.missing.deeper }}", &dot()).unwrap_err();
    assert!(err.starts_with("t:3: nil pointer evaluating"), "{err}");
    let err = render_text("t", "{{ if .Values.name }}\nno end", &dot()).unwrap_err();
    assert!(err.contains("not closed"), "{err}");
    let err = render_text("t", "{{ nosuchfunc 1 }}", &dot()).unwrap_err();
    assert!(err.contains("nosuchfunc"), "{err}");
    let err = render_text("t", "{{ fail \"stop here\" }}", &dot()).unwrap_err();
    assert_eq!(err, "t:1: stop here");
}

#[test]
fn recursion_is_bounded() {
    let err = render_text(
        "t",
        "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}",
        &dot(),
    )
    .unwrap_err();
    assert!(err.contains("nested"), "{err}");
}

#[test]
fn runaway_templates_are_stopped() {
    let err = render_text("t", "{{ range 1000000000 }}x{{ end }}", &dot()).unwrap_err();
    assert!(err.contains("exceeds"), "{err}");
    let err = render_text("t", "{{ repeat 100000000 \"abc\" }}", &dot()).unwrap_err();
    assert!(err.contains("over 1 MiB"), "{err}");
    let err = render_text(
        "t",
        "{{ range until 100000 }}{{ range until 100000 }}xxxxxxxxxx{{ end }}{{ end }}",
        &dot(),
    )
    .unwrap_err();
    assert!(err.contains("output exceeds"), "{err}");
}

/// Loops that print nothing, and values that double, are stopped by the step and value bounds
/// (a time budget alone would let the doubling exhaust memory first).
#[test]
fn silent_loops_and_doubling_values_are_stopped() {
    let started = std::time::Instant::now();
    let err = render_text(
        "t",
        "{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}",
        &dot(),
    )
    .unwrap_err();
    assert!(err.starts_with("t:1: rendering takes more than"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    for doubling in [
        "{{ $x := \"abcdefgh\" }}\n{{ range until 60 }}{{ $x = printf \"%s%s\" $x $x }}{{ end }}",
        "{{ $x := list 1 }}\n{{ range until 60 }}{{ $x = concat $x $x }}{{ end }}",
        "{{ $x := list 1 }}\n{{ range until 60 }}{{ $x = list $x $x }}{{ end }}",
        "{{ $x := dict \"a\" \"b\" }}\n{{ range $i := until 60 }}{{ $x = dict \"l\" $x \"r\" $x }}{{ end }}",
    ] {
        let err = render_text("t", doubling, &dot()).unwrap_err();
        assert!(err.starts_with("t:2: "), "{err}");
        assert!(err.contains("makes a value over 8388608 bytes"), "{err}");
    }
    // An ordinary loop over a few thousand items is far from either bound.
    let out = render_text(
        "t",
        "{{ range $i := until 5000 }}{{ $i }},{{ end }}",
        &dot(),
    )
    .unwrap();
    assert!(out.text.ends_with("4999,"));
}
