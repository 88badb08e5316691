mod checklist_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use stridemap::config::{self, Config, FailOn};
use stridemap_ingest::{Options, WalkOptions};
use stridemap_model::Severity;
use stridemap_report::rules_doc;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "stridemap",
    version,
    about = "Threat-model microservice and cloud-native systems straight from their repository",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Exit codes, for scripts and CI.
const EXIT_CODES: &str = "Exit codes:
  0  no threat at or above the --fail-on threshold
  1  threats at or above the threshold were found
  2  usage or configuration error
  3  the scan could not complete (missing or unreadable path, output not writable)";

/// The scan found threats at or above the threshold.
const EXIT_THREATS: u8 = 1;
/// Usage or configuration error (clap uses 2 for bad arguments too).
const EXIT_USAGE: u8 = 2;
/// The scan itself could not complete.
const EXIT_SCAN_FAILED: u8 = 3;

#[derive(Subcommand)]
enum Command {
    /// Scan a repository (or one file) and report STRIDE threats.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Generate the policies and patches that close the threats found: least-privilege
    /// NetworkPolicies and Istio policies from the discovered flows. Nothing in the project
    /// changes unless --write is given.
    Fix(FixArgs),
    /// Print the data-flow diagram of the discovered architecture.
    Graph {
        /// Directory or file to model.
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(short, long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        /// Write the diagram to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// List the rules.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print a rule's documentation.
    Explain {
        /// Rule id, e.g. CTR-PRIVILEGED.
        id: String,
    },
    /// Write a commented stridemap.toml.
    Init {
        /// Directory to write it in.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Replace an existing stridemap.toml.
        #[arg(long)]
        force: bool,
    },
    /// Compare two JSON reports: new, fixed and unchanged threats and attack paths.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(short, long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Exit with 1 when a new threat is at or above this severity [default: none].
        #[arg(long, value_enum, value_name = "SEVERITY")]
        fail_on: Option<FailOn>,
    },
    /// Print the JSON Schema of a document stridemap writes.
    Schema {
        #[arg(value_enum)]
        document: SchemaDocument,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    Man,
    /// Answer the security checklist (pod, network, RBAC, secrets, images, EKS/GKE/AKS):
    /// pass, fail (with the threats) or unknown (with the reason), per system and namespace.
    Checklist(checklist_cmd::ChecklistArgs),
}

#[derive(clap::Args)]
struct FixArgs {
    /// Directory to scan and fix.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Write the generated files, `edits.patch` (changes to existing files) and `plan.json`
    /// (the threats each change closes) to this directory; with `--format patch`, write
    /// `stridemap-fix.patch` there.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// `files`: generated files in --out; `patch`: one unified diff of every change, relative
    /// to PATH (standard output without --out).
    #[arg(short, long, value_enum, default_value_t = FixFormat::Files)]
    format: FixFormat,
    /// Apply the changes to the project: create the generated files under PATH and edit
    /// existing ones.
    #[arg(long)]
    write: bool,
    /// Configuration file [default: the first stridemap.toml found from PATH upwards].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FixFormat {
    Files,
    Patch,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaDocument {
    /// The report of `scan --format json`.
    Report,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Directory or file to scan.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format (default: text). With one `-o` it overrides the file's extension; with
    /// several, it applies to files whose extension names no format.
    #[arg(short, long, value_enum)]
    format: Option<Format>,
    /// Write the report to this file instead of standard output. Repeat it to write several
    /// formats from one scan; each file's format comes from its extension (.json .sarif .html
    /// .md .mmd .dot .txt).
    #[arg(short, long, value_name = "FILE")]
    output: Vec<PathBuf>,
    /// Do not honour .gitignore, .ignore and git exclude files.
    #[arg(long)]
    no_ignore: bool,
    /// Skip paths matching this glob (repeatable), e.g. --exclude 'vendor/**'.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Skip files larger than this (bytes; K, M and G suffixes accepted).
    #[arg(long, value_name = "SIZE", default_value = "8M", value_parser = parse_size)]
    max_file_size: u64,
    /// Time one file may take to parse, in seconds (0: no limit). A file over it keeps what was
    /// read before the deadline and gets a `time-budget` diagnostic.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    file_time_budget: f64,
    /// Worker threads (default: all cores).
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Do not print diagnostics to standard error.
    #[arg(short, long)]
    quiet: bool,
    /// Colour in the text format: auto, always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Exit with 1 when a threat at or above this severity is reported [default: the
    /// configuration's `fail-on`, else high].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
    /// Configuration file [default: the first stridemap.toml or .stridemap.toml found from the
    /// scanned path upwards].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Report only threats whose fingerprint is not in this baseline (or JSON report).
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Record the fingerprints of the threats found, for a later --baseline.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Warn about inline suppressions that match no finding.
    #[arg(long)]
    report_unused_suppressions: bool,
    /// Helm values file applied over each chart's values.yaml (repeatable, in order).
    #[arg(long, value_name = "FILE")]
    helm_values: Vec<PathBuf>,
    /// Helm value override, e.g. --set image.tag=1.2,replicas=3 (repeatable, applied last).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    helm_set: Vec<String>,
    /// How charts and overlays are rendered: built-in (default; no external tool), helm
    /// (`helm template`) and/or kubectl (`kubectl kustomize`), or none (read the files as
    /// they are). Repeatable.
    #[arg(long, value_enum, value_name = "RENDERER")]
    renderer: Vec<Renderer>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
enum Renderer {
    BuiltIn,
    Helm,
    Kubectl,
    None,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
    Html,
    Markdown,
    Mermaid,
    Dot,
}

impl Format {
    /// The format a file name's extension names, if any.
    fn of_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "txt" | "text" => Format::Text,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "html" | "htm" => Format::Html,
            "md" | "markdown" => Format::Markdown,
            "mmd" | "mermaid" => Format::Mermaid,
            "dot" | "gv" => Format::Dot,
            _ => return None,
        })
    }

    fn renderer(self) -> stridemap_report::Format {
        use stridemap_report::Format as R;
        match self {
            Format::Text => R::Text,
            Format::Json => R::Json,
            Format::Sarif => R::Sarif,
            Format::Html => R::Html,
            Format::Markdown => R::Markdown,
            Format::Mermaid => R::Mermaid,
            Format::Dot => R::Dot,
        }
    }
}

/// Which format goes to which file: an explicit `--format` wins for a single `-o`; with several,
/// each extension decides and `--format` only fills in for extensions that name no format.
fn output_plan(
    format: Option<Format>,
    outputs: &[PathBuf],
) -> Result<Vec<(PathBuf, Format)>, String> {
    if let [only] = outputs {
        let chosen = format
            .or_else(|| Format::of_path(only))
            .unwrap_or(Format::Text);
        return Ok(vec![(only.clone(), chosen)]);
    }
    outputs
        .iter()
        .map(|path| {
            Format::of_path(path)
                .or(format)
                .map(|f| (path.clone(), f))
                .ok_or_else(|| {
                    format!(
                        "cannot tell the format of {} from its extension (.json .sarif .html .md .mmd .dot .txt); rename it or give --format",
                        path.display()
                    )
                })
        })
        .collect()
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// A number of seconds: finite, not negative, at most a day.
fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && (0.0..=86_400.0).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{s}` is not a number of seconds between 0 and 86400 (examples: 10, 0.5)"
        )),
    }
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1024),
        Some('M') => (&s[..s.len() - 1], 1024 * 1024),
        Some('G') => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    digits
        .trim()
        .parse::<u64>()
        .map(|n| n * mult)
        .map_err(|_| format!("`{s}` is not a size (examples: 500000, 512K, 8M)"))
}

/// The version, with the rule set it carries: how many rules and a digest of their ids and
/// metadata, so two builds with the same version but different rules tell themselves apart.
fn long_version() -> String {
    use sha2::{Digest, Sha256};
    let mut lines: Vec<String> = stridemap_rules::registry()
        .iter()
        .map(|r| {
            let m = r.meta();
            format!(
                "{}|{}|{}|{}|{}|{:?}",
                m.id,
                m.title,
                m.group.number(),
                m.stride,
                m.severity,
                m.cwe
            )
        })
        .collect();
    lines.sort();
    let digest = Sha256::digest(lines.join("\n").as_bytes());
    let short: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!(
        "{} (rule set {short}, {} rules)",
        env!("CARGO_PKG_VERSION"),
        lines.len()
    )
}

fn cli_command() -> clap::Command {
    use clap::CommandFactory;
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    Cli::command().version(VERSION.get_or_init(long_version).as_str())
}

fn main() -> ExitCode {
    use clap::FromArgMatches;
    let matches = cli_command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Fix(args) => fix(args),
        Command::Graph {
            path,
            format,
            output,
        } => {
            if !path.exists() {
                eprintln!("stridemap: {}: no such file or directory", path.display());
                return ExitCode::from(EXIT_SCAN_FAILED);
            }
            let arch = stridemap::model(&path, &Options::default());
            let rendered = match format {
                GraphFormat::Mermaid => stridemap_report::graph::mermaid(&arch),
                GraphFormat::Dot => stridemap_report::graph::dot(&arch),
            };
            match output {
                Some(file) => match std::fs::write(&file, rendered) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("stridemap: cannot write {}: {e}", file.display());
                        ExitCode::from(EXIT_SCAN_FAILED)
                    }
                },
                None => print_stdout(&rendered),
            }
        }
        Command::Rules { format } => {
            let rules = stridemap_rules::registry();
            let out = match format {
                RulesFormat::Text => rules_doc::rules_text(rules),
                RulesFormat::Json => rules_doc::rules_json(rules),
                RulesFormat::Markdown => rules_doc::rules_markdown(rules),
            };
            print_stdout(&out)
        }
        Command::Explain { id } => match stridemap_rules::find_rule(&id) {
            Some(rule) => print_stdout(&rules_doc::explain(rule)),
            None => {
                let ids = stridemap_rules::registry().iter().map(|r| r.meta().id);
                eprintln!(
                    "stridemap: no rule `{id}`{}; `stridemap rules` lists them",
                    config::did_you_mean(config::suggest(&id, ids))
                );
                ExitCode::from(EXIT_USAGE)
            }
        },
        Command::Init { dir, force } => init(&dir, force),
        Command::Diff {
            old,
            new,
            format,
            fail_on,
        } => diff(&old, &new, format, fail_on.unwrap_or(FailOn::None)),
        Command::Schema {
            document: SchemaDocument::Report,
        } => {
            // The contract of what stridemap writes: fields it omits when empty are optional.
            let schema = schemars::generate::SchemaSettings::draft2020_12()
                .for_serialize()
                .into_generator()
                .into_root_schema_for::<stridemap_model::Report>();
            let mut out = serde_json::to_string_pretty(&schema).expect("schema serialises");
            out.push('\n');
            print_stdout(&out)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cli_command(), "stridemap", &mut out);
            print_stdout(&String::from_utf8_lossy(&out))
        }
        Command::Checklist(args) => checklist_cmd::run(args),
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(cli_command()).render(&mut out) {
                Ok(()) => print_stdout(&String::from_utf8_lossy(&out)),
                Err(e) => {
                    eprintln!("stridemap: cannot render the manual page: {e}");
                    ExitCode::from(EXIT_SCAN_FAILED)
                }
            }
        }
    }
}

fn fix(args: FixArgs) -> ExitCode {
    if !args.path.is_dir() {
        eprintln!("stridemap: {}: not a directory", args.path.display());
        return ExitCode::from(EXIT_SCAN_FAILED);
    }
    let config_file = match (&args.config, args.no_config) {
        (Some(file), _) => Some(file.clone()),
        (None, true) => None,
        (None, false) => Config::find(&args.path),
    };
    let config = match config_file.as_deref().map(Config::load).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(e) => {
            eprintln!("stridemap: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let options = stridemap::with_config_excludes(Options::default(), &config);
    let (report, plan) = match stridemap::fix_plan(&args.path, &options, &config) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("stridemap: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let fail = |e: String| {
        eprintln!("stridemap: {e}");
        ExitCode::from(EXIT_SCAN_FAILED)
    };
    match (args.format, &args.out) {
        (FixFormat::Patch, None) => {
            let printed = print_stdout(&plan.unified_diff());
            if printed != ExitCode::SUCCESS {
                return printed;
            }
        }
        (FixFormat::Patch, Some(dir)) => {
            let file = dir.join("stridemap-fix.patch");
            if let Err(e) = std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(&file, plan.unified_diff()))
            {
                return fail(format!("cannot write {}: {e}", file.display()));
            }
        }
        (FixFormat::Files, Some(dir)) => {
            if let Err(e) = plan.write_out(dir) {
                return fail(e);
            }
        }
        (FixFormat::Files, None) => {}
    }
    if args.write {
        if let Err(e) = plan.apply(&args.path) {
            return fail(e);
        }
    }
    let mut summary = format!(
        "{} change(s) closing {} of {} threats; {} connection(s) allowed",
        plan.changes.len(),
        plan.claims.len(),
        report.threats.len(),
        plan.connections.len()
    );
    for c in &plan.changes {
        summary.push_str(&format!("\n  {}: {}", c.path, c.summary));
    }
    for n in &plan.notes {
        summary.push_str(&format!("\n  note: {n}"));
    }
    for h in &plan.hints {
        summary.push_str(&format!("\n  to do: {h}"));
    }
    if args.write {
        summary.push_str(&format!("\napplied to {}", args.path.display()));
    } else if args.out.is_none() && args.format == FixFormat::Files {
        summary.push_str("\nnothing written: give --out DIR, --format patch or --write");
    }
    eprintln!("stridemap: {summary}");
    ExitCode::SUCCESS
}

fn init(dir: &std::path::Path, force: bool) -> ExitCode {
    let path = dir.join(config::FILE_NAMES[0]);
    if path.exists() && !force {
        eprintln!(
            "stridemap: {} already exists; --force replaces it",
            path.display()
        );
        return ExitCode::from(EXIT_USAGE);
    }
    match std::fs::write(&path, config::TEMPLATE) {
        Ok(()) => {
            eprintln!("stridemap: wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("stridemap: cannot write {}: {e}", path.display());
            ExitCode::from(EXIT_SCAN_FAILED)
        }
    }
}

fn read_report(path: &std::path::Path) -> Result<serde_json::Value, ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("stridemap: cannot read {}: {e}", path.display());
        ExitCode::from(EXIT_SCAN_FAILED)
    })?;
    serde_json::from_str(&text).map_err(|e| {
        eprintln!("stridemap: {}: not a JSON report ({e})", path.display());
        ExitCode::from(EXIT_USAGE)
    })
}

fn diff(
    old: &std::path::Path,
    new: &std::path::Path,
    format: DiffFormat,
    fail_on: FailOn,
) -> ExitCode {
    let (old, new) = match (read_report(old), read_report(new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let d = match stridemap_report::baseline::diff(&old, &new) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("stridemap: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let printed = print_stdout(&match format {
        DiffFormat::Text => d.to_text(),
        DiffFormat::Json => d.to_json(),
    });
    if printed != ExitCode::SUCCESS {
        return printed;
    }
    let failing = fail_on.threshold().map_or(0, |at| {
        d.new_threats
            .iter()
            .filter_map(|t| serde_json::from_value::<Severity>(t["severity"].clone()).ok())
            .filter(|s| *s <= at)
            .count()
    });
    if failing > 0 {
        ExitCode::from(EXIT_THREATS)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_stdout(s: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(s.as_bytes()).and_then(|_| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`stridemap rules | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stridemap: cannot write output: {e}");
            ExitCode::from(EXIT_SCAN_FAILED)
        }
    }
}

/// The JSON report, streamed to standard output.
fn stream_stdout(report: &stridemap_model::Report) -> ExitCode {
    match stridemap_report::json::write(report, std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stridemap: cannot write output: {e}");
            ExitCode::from(EXIT_SCAN_FAILED)
        }
    }
}

fn scan(args: ScanArgs) -> ExitCode {
    if !args.path.exists() {
        eprintln!(
            "stridemap: {}: no such file or directory",
            args.path.display()
        );
        return ExitCode::from(EXIT_SCAN_FAILED);
    }
    if let Some(jobs) = args.jobs {
        // Only fails when a pool already exists, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build_global();
    }
    let config_file = match (&args.config, args.no_config) {
        (Some(file), _) => Some(file.clone()),
        (None, true) => None,
        (None, false) => Config::find(&args.path),
    };
    let config = match config_file.as_deref().map(Config::load).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(e) => {
            eprintln!("stridemap: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let baseline: Option<BTreeSet<String>> = match &args.baseline {
        None => None,
        Some(file) => match std::fs::read_to_string(file) {
            Ok(text) => match stridemap_report::baseline::read(&text) {
                Ok(b) => Some(b),
                Err(e) => {
                    eprintln!("stridemap: {}: {e}", file.display());
                    return ExitCode::from(EXIT_USAGE);
                }
            },
            Err(e) => {
                eprintln!("stridemap: cannot read {}: {e}", file.display());
                return ExitCode::from(EXIT_SCAN_FAILED);
            }
        },
    };
    let options = stridemap::with_config_excludes(
        Options {
            walk: WalkOptions {
                no_ignore: args.no_ignore,
                exclude: args.exclude.clone(),
                config_exclude: None,
            },
            max_file_size: args.max_file_size,
            file_time_budget: (args.file_time_budget > 0.0)
                .then(|| std::time::Duration::from_secs_f64(args.file_time_budget)),
            render: stridemap_ingest::render::RenderOptions {
                helm_values: args.helm_values.clone(),
                helm_set: args.helm_set.clone(),
                helm_binary: args.renderer.contains(&Renderer::Helm),
                kubectl_binary: args.renderer.contains(&Renderer::Kubectl),
                disabled: args.renderer.contains(&Renderer::None),
            },
            ..Options::default()
        },
        &config,
    );
    let controls = stridemap::Controls {
        report_unused_suppressions: args.report_unused_suppressions,
        baseline: baseline.as_ref(),
    };
    let plan = match output_plan(args.format, &args.output) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("stridemap: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let progress = Progress::start(!args.quiet && std::io::stderr().is_terminal());
    let report = stridemap::scan_configured(&args.path, &options, &config, &controls, |stage| {
        progress.stage(stage);
    });
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            progress.finish();
            eprintln!("stridemap: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Some(file) = &args.write_baseline {
        if let Err(e) = std::fs::write(file, stridemap_report::baseline::write(&report)) {
            progress.finish();
            eprintln!("stridemap: cannot write {}: {e}", file.display());
            return ExitCode::from(EXIT_SCAN_FAILED);
        }
    }
    progress.stage("writing the report");
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_empty()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    // Render everything (in parallel) before printing anything, so that the progress bar is
    // gone first. A lone JSON report is the exception: it is streamed to its destination
    // (`None` here) rather than held in memory whole.
    let rendered: Vec<(Option<&PathBuf>, Option<String>)> = match plan.as_slice() {
        [] if args.format == Some(Format::Json) => vec![(None, None)],
        [(path, Format::Json)] => vec![(Some(path), None)],
        [] => {
            let format = args.format.unwrap_or(Format::Text).renderer();
            vec![(None, Some(format.render(&report, color)))]
        }
        _ => {
            let formats: Vec<_> = plan.iter().map(|(_, f)| f.renderer()).collect();
            let texts = stridemap_report::render_all(&report, &formats, color);
            plan.iter()
                .map(|(path, _)| Some(path))
                .zip(texts.into_iter().map(Some))
                .collect()
        }
    };
    progress.finish();

    if !args.quiet {
        let mut stderr = anstream::stderr().lock();
        for d in &report.diagnostics {
            let _ = writeln!(stderr, "{d}");
        }
    }
    let mut written = Vec::new();
    for (path, content) in rendered {
        match (path, content) {
            (None, Some(content)) => {
                let printed = print_stdout(&content);
                if printed != ExitCode::SUCCESS {
                    return printed;
                }
            }
            (None, None) => {
                let printed = stream_stdout(&report);
                if printed != ExitCode::SUCCESS {
                    return printed;
                }
            }
            (Some(path), content) => {
                let result = match content {
                    Some(content) => std::fs::write(path, content),
                    None => std::fs::File::create(path)
                        .and_then(|file| stridemap_report::json::write(&report, file)),
                };
                if let Err(e) = result {
                    eprintln!("stridemap: cannot write {}: {e}", path.display());
                    return ExitCode::from(EXIT_SCAN_FAILED);
                }
                written.push(path.display().to_string());
            }
        }
    }
    if !args.quiet && !written.is_empty() {
        eprintln!(
            "stridemap: {} threats written to {}",
            report.summary.total,
            written.join(", ")
        );
    }
    let threshold = args
        .fail_on
        .or(config.fail_on)
        .unwrap_or(FailOn::High)
        .threshold();
    let failing = threshold.map_or(0, |at| {
        report.threats.iter().filter(|t| t.severity <= at).count()
    });
    if failing > 0 {
        if !args.quiet {
            eprintln!(
                "stridemap: {failing} threats at or above `{}` severity (exit code 1)",
                threshold.expect("counted against a threshold")
            );
        }
        ExitCode::from(EXIT_THREATS)
    } else {
        ExitCode::SUCCESS
    }
}

/// A progress bar on stderr, by stage, that appears only when a scan takes longer than a
/// moment: quick scans print nothing but their result.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    /// Set once the scan is done, so that a late timer does not show a finished bar.
    done: std::sync::Arc<std::sync::Mutex<bool>>,
}

/// Stages the bar counts: discover and parse, model, rules, report, writing.
const STAGES: u64 = 5;
/// How long a scan runs before the bar appears.
const PROGRESS_DELAY: std::time::Duration = std::time::Duration::from_millis(400);

impl Progress {
    fn start(visible: bool) -> Progress {
        let done = std::sync::Arc::new(std::sync::Mutex::new(false));
        if !visible {
            return Progress { bar: None, done };
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(STAGES),
            indicatif::ProgressDrawTarget::hidden(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:24}] {pos}/{len} {msg} ({elapsed})",
            )
            .expect("valid progress template")
            .progress_chars("=> "),
        );
        let (later, flag) = (bar.clone(), done.clone());
        std::thread::spawn(move || {
            std::thread::sleep(PROGRESS_DELAY);
            let done = flag.lock().unwrap_or_else(|e| e.into_inner());
            if !*done {
                later.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                later.enable_steady_tick(std::time::Duration::from_millis(120));
            }
        });
        Progress {
            bar: Some(bar),
            done,
        }
    }

    fn stage(&self, name: &str) {
        if let Some(bar) = &self.bar {
            if bar.message().is_empty() {
                bar.set_message(name.to_string());
            } else {
                bar.inc(1);
                bar.set_message(name.to_string());
            }
        }
    }

    fn finish(&self) {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        *done = true;
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
