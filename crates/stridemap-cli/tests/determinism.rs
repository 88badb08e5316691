//! The same tree gives byte-identical JSON, SARIF and Markdown whatever the thread count and
//! whatever order its files were created in (which is the order many file systems list them).

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// A fixed permutation (a linear congruential shuffle), so that failures reproduce.
fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    let mut state = seed;
    for i in (1..items.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        items.swap(i, (state >> 33) as usize % (i + 1));
    }
    items
}

/// Copies the sources' files into `to` in the given order (directories as they are needed).
fn copy_in_order(sources: &[(PathBuf, PathBuf, PathBuf)], to: &Path) {
    for (from_root, rel, prefix) in sources {
        let target = to.join(prefix).join(rel);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(from_root.join(rel), target).unwrap();
    }
}

/// JSON, SARIF and Markdown of a scan of `tree` (run from inside it, so that the target is
/// the same `.` for every copy) with `jobs` threads.
fn outputs(tree: &Path, jobs: &str, out: &Path) -> Vec<Vec<u8>> {
    let names = ["report.json", "report.sarif", "report.md"];
    let mut command = Command::cargo_bin("stridemap").unwrap();
    command
        .current_dir(tree)
        .args(["scan", ".", "-q", "--no-config", "-j", jobs]);
    for name in names {
        command.arg("-o").arg(out.join(name));
    }
    let status = command.output().unwrap().status;
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "scan failed: {status}"
    );
    names
        .iter()
        .map(|n| fs::read(out.join(n)).unwrap())
        .collect()
}

#[test]
fn output_is_identical_across_threads_and_creation_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The example system and a spread of rule fixtures, so that every kind of file is present.
    let mut sources = Vec::new();
    let example = root.join("examples/shop");
    for rel in files_under(&example) {
        sources.push((example.clone(), rel, PathBuf::from("shop")));
    }
    let fixtures = root.join("crates/stridemap-rules/fixtures");
    let mut rules: Vec<PathBuf> = fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    rules.sort();
    for rule in rules.iter().step_by(7) {
        let bad = rule.join("bad");
        if bad.is_dir() {
            let prefix = PathBuf::from("fixtures").join(rule.file_name().unwrap());
            for rel in files_under(&bad) {
                sources.push((bad.clone(), rel, prefix.clone()));
            }
        }
    }
    assert!(sources.len() > 50, "too small a tree: {}", sources.len());

    let work = tempfile::tempdir().unwrap();
    let in_order = work.path().join("a");
    let reversed = work.path().join("b");
    let random = work.path().join("c");
    copy_in_order(&sources, &in_order);
    copy_in_order(
        &sources.iter().rev().cloned().collect::<Vec<_>>(),
        &reversed,
    );
    copy_in_order(&shuffled(sources.clone(), 42), &random);

    let out = work.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let reference = outputs(&in_order, "1", &out);
    assert!(
        String::from_utf8_lossy(&reference[0]).contains("\"threats\""),
        "no report"
    );
    for (tree, jobs) in [
        (&in_order, "8"),
        (&reversed, "1"),
        (&reversed, "8"),
        (&random, "3"),
    ] {
        let again = outputs(tree, jobs, &out);
        for (i, format) in ["JSON", "SARIF", "Markdown"].iter().enumerate() {
            assert!(
                reference[i] == again[i],
                "{format} differs for {} with -j {jobs}",
                tree.display()
            );
        }
    }
}
