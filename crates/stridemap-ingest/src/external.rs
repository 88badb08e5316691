//! The `helm` and `kubectl` binaries, used only when the user asks for them (`--renderer`):
//! run with a time limit and with network access pointed at an unroutable proxy.

use crate::render::Generated;
use crate::yaml::{parse_documents, YamlLimits};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use stridemap_model::corpus::LineOrigins;
use stridemap_model::SourceFile;

/// How long one `helm template` or `kubectl kustomize` may run.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Output of a renderer binary as a generated file (its lines are the rendered resources).
pub fn generated(path: String, text: String) -> Generated {
    let (docs, _) = parse_documents(&text, YamlLimits::default());
    let origins = LineOrigins::default();
    Generated {
        source: SourceFile::generated(path, text, origins),
        documents: docs.into_iter().map(|(_, n)| n).collect(),
    }
}

/// Runs a program and returns its standard output, or why it failed.
pub fn run(program: &str, args: &[&str], dir: &Path, timeout: Duration) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!(
                    "`{program}` is not installed or not on PATH (needed by --renderer {program})"
                )
            }
            _ => format!("cannot run `{program}`: {e}"),
        })?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{program}` did not finish within {}s; stopped",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("`{program}`: {e}")),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if status.success() {
        Ok(stdout)
    } else {
        Err(format!("`{program}` failed ({status}): {}", stderr.trim()))
    }
}

pub fn kubectl_kustomize(dir: &Path) -> Result<String, String> {
    run("kubectl", &["kustomize", "."], dir, TIMEOUT)
}
