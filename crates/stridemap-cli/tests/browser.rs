//! The HTML report of the shipped example, opened in headless Chromium: the diagram renders with
//! every node, the threat filter hides and shows rows (driven through the page's own controls,
//! and through a filter in the URL fragment), and a screenshot is saved for people to look at.
//!
//! Without a Chromium binary the test says so and passes, except where `CI` or
//! `STRIDEMAP_REQUIRE_BROWSER` is set: there it fails. `STRIDEMAP_CHROMIUM` names the binary;
//! `STRIDEMAP_UPDATE_DOCS=1` also copies the screenshot to docs/report.png.

use serde_json::Value;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use stridemap_model::{Report, Severity};

const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);

fn find_chromium() -> Option<PathBuf> {
    if let Some(explicit) = std::env::var_os("STRIDEMAP_CHROMIUM") {
        return Some(PathBuf::from(explicit));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|candidate| candidate.is_file())
}

/// A `file://` URL for a page, with an optional fragment.
fn file_url(page: &Path, fragment: &str) -> String {
    let mut url = String::from("file://");
    for b in page.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url + fragment
}

/// Runs headless Chromium on a page and returns what it printed (the DOM, for `--dump-dom`).
fn chromium(binary: &Path, profile: &Path, args: &[&str], url: &str) -> String {
    let mut child = Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut std::io::BufReader::new(stdout), &mut out).ok();
        out
    });
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(status) => {
                assert!(status.success(), "chromium failed: {status}");
                break;
            }
            None if start.elapsed() > BROWSER_TIMEOUT => {
                let _ = child.kill();
                panic!("chromium did not finish within {BROWSER_TIMEOUT:?}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    reader.join().expect("reader thread")
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A script appended to a copy of the page: it reads the rendered diagram and works the filter
/// controls as a person would, then writes what it saw into the DOM for `--dump-dom`.
fn driver(rule: &str) -> String {
    format!(
        r##"<script>
(function () {{
  var out = {{}};
  var svg = document.querySelector("#diagram svg");
  var nodes = svg ? svg.querySelectorAll("g.node") : [];
  out.nodes = nodes.length;
  out.drawnNodes = Array.prototype.filter.call(nodes, function (n) {{
    var b = n.getBoundingClientRect(); return b.width > 0 && b.height > 0;
  }}).length;
  var box = svg ? svg.getBoundingClientRect() : {{ width: 0, height: 0 }};
  out.svgWidth = box.width; out.svgHeight = box.height;
  function visible() {{
    return Array.prototype.filter.call(document.querySelectorAll("tr.threat"), function (r) {{
      return r.getClientRects().length > 0;
    }}).length;
  }}
  out.initially = visible();
  var severity = document.getElementById("filter-severity");
  severity.value = "critical";
  severity.dispatchEvent(new Event("change"));
  out.critical = visible();
  out.fragment = location.hash;
  var rule = document.getElementById("filter-rule");
  rule.value = {rule:?};
  rule.dispatchEvent(new Event("change"));
  out.criticalOfRule = visible();
  document.getElementById("filter-reset").click();
  out.afterReset = visible();
  out.counter = document.getElementById("threat-count").textContent;
  var show = document.querySelector("button.show-path");
  out.pathNodes = show ? JSON.parse(show.dataset.nodes) : [];
  if (show) {{
    show.click();
    out.highlighted = svg.querySelectorAll("g.node.on-path").length;
    out.highlighting = svg.classList.contains("highlighting");
    show.click();
    out.afterClear = svg.querySelectorAll(".on-path").length;
  }}
  var pre = document.createElement("pre");
  pre.id = "browser-test-result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}})();
</script>
</body>"##
    )
}

fn count(report: &Report, keep: impl Fn(&stridemap_model::Threat) -> bool) -> u64 {
    report.threats.iter().filter(|t| keep(t)).count() as u64
}

#[test]
fn html_report_renders_and_filters_in_chromium() {
    let Some(binary) = find_chromium() else {
        let required = std::env::var_os("CI").is_some()
            || std::env::var_os("STRIDEMAP_REQUIRE_BROWSER").is_some();
        let message = "no Chromium found (chromium, chromium-browser, google-chrome; or set \
                       STRIDEMAP_CHROMIUM): the browser test of the HTML report did NOT run";
        if required {
            panic!("{message}, and CI / STRIDEMAP_REQUIRE_BROWSER requires it");
        }
        // Straight to stderr, past the test harness's capture, so that it shows on success.
        let banner = "!".repeat(78);
        let _ = writeln!(
            std::io::stderr(),
            "\n{banner}\n!!! SKIPPED: {message}\n!!! install it (Debian: apt-get install -y chromium) to run it\n{banner}\n"
        );
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut report = stridemap::scan(
        &root.join("examples/shop"),
        &stridemap_ingest::Options::default(),
    );
    // As `stridemap scan examples/shop` run from the repository names it.
    report.target = "examples/shop".into();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&out).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let html = stridemap_report::html::render(&report);
    let page = out.join("report.html");
    std::fs::write(&page, &html).unwrap();

    // The page's own controls, worked by a script, as a person would.
    let critical_rule = report
        .threats
        .iter()
        .find(|t| t.severity == Severity::Critical)
        .expect("the example has critical threats")
        .rule;
    let driven = out.join("report-driven.html");
    std::fs::write(
        &driven,
        html.replacen("</body>", &driver(&critical_rule), 1),
    )
    .unwrap();
    let dom = chromium(
        &binary,
        profile.path(),
        &["--dump-dom"],
        &file_url(&driven, ""),
    );
    let start = dom
        .find("<pre id=\"browser-test-result\">")
        .expect("the driver script ran and wrote its result")
        + "<pre id=\"browser-test-result\">".len();
    let end = start + dom[start..].find("</pre>").expect("end of result");
    let seen: Value = serde_json::from_str(&unescape(&dom[start..end])).expect("result JSON");
    eprintln!("browser saw: {seen}");

    let a = &report.architecture;
    let nodes =
        a.services.len() + a.data_stores.len() + a.message_brokers.len() + a.entry_points.len();
    assert_eq!(seen["nodes"], nodes as u64, "SVG node elements");
    assert_eq!(
        seen["drawnNodes"], nodes as u64,
        "every node has a size on screen"
    );
    assert!(seen["svgWidth"].as_f64().unwrap() > 300.0, "{seen}");
    assert!(seen["svgHeight"].as_f64().unwrap() > 100.0, "{seen}");
    let all = report.threats.len() as u64;
    let critical = count(&report, |t| t.severity == Severity::Critical);
    assert!(critical > 0 && critical < all);
    assert_eq!(
        seen["initially"], all,
        "every threat shown before filtering"
    );
    assert_eq!(
        seen["critical"], critical,
        "the severity filter hides the rest"
    );
    assert_eq!(
        seen["criticalOfRule"],
        count(&report, |t| t.severity == Severity::Critical
            && t.rule == critical_rule),
        "filters combine"
    );
    assert_eq!(
        seen["afterReset"], all,
        "\"Show all\" shows every row again"
    );
    assert_eq!(seen["counter"], format!("Showing {all} of {all} threats"));
    assert_eq!(
        seen["fragment"], "#severity=critical",
        "the filter is in the URL"
    );

    // A filter given in the URL fragment is applied when the page opens.
    let dom = chromium(
        &binary,
        profile.path(),
        &["--dump-dom"],
        &file_url(&page, "#severity=high"),
    );
    let tags: Vec<&str> = dom
        .split("<tr class=\"threat\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('>').unwrap_or(rest.len())])
        .collect();
    let rows = tags.len() as u64;
    let hidden = tags.iter().filter(|t| t.contains(" hidden")).count() as u64;
    assert_eq!(rows, all);
    assert_eq!(
        rows - hidden,
        count(&report, |t| t.severity == Severity::High)
    );

    // A picture for people.
    let screenshot = out.join("report.png");
    let _ = std::fs::remove_file(&screenshot);
    chromium(
        &binary,
        profile.path(),
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,1600",
        ],
        &file_url(&page, ""),
    );
    let png = std::fs::read(&screenshot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000);
    eprintln!("screenshot: {}", screenshot.display());
    if std::env::var_os("STRIDEMAP_UPDATE_DOCS").is_some() {
        std::fs::write(root.join("docs/report.png"), &png).expect("write docs/report.png");
    }
}
