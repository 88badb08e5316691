use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use stridemap_ingest::{Options, WalkOptions};
use stridemap_report::rules_doc;

#[derive(Parser)]
#[command(
    name = "stridemap",
    version,
    about = "Threat-model microservice and cloud-native systems straight from their repository"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a repository (or one file) and report STRIDE threats.
    Scan(ScanArgs),
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
    /// Worker threads (default: all cores).
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Do not print diagnostics to standard error.
    #[arg(short, long)]
    quiet: bool,
    /// Colour in the text format: auto, always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Graph {
            path,
            format,
            output,
        } => {
            if !path.exists() {
                eprintln!("stridemap: {}: no such file or directory", path.display());
                return ExitCode::from(2);
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
                        ExitCode::from(2)
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
                eprintln!("stridemap: no rule `{id}`; `stridemap rules` lists them");
                ExitCode::from(2)
            }
        },
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
            ExitCode::from(2)
        }
    }
}

fn scan(args: ScanArgs) -> ExitCode {
    if !args.path.exists() {
        eprintln!(
            "stridemap: {}: no such file or directory",
            args.path.display()
        );
        return ExitCode::from(2);
    }
    if let Some(jobs) = args.jobs {
        // Only fails when a pool already exists, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build_global();
    }
    let options = Options {
        walk: WalkOptions {
            no_ignore: args.no_ignore,
            exclude: args.exclude.clone(),
        },
        max_file_size: args.max_file_size,
        ..Options::default()
    };
    let plan = match output_plan(args.format, &args.output) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("stridemap: {e}");
            return ExitCode::from(2);
        }
    };
    let progress = Progress::start(!args.quiet && std::io::stderr().is_terminal());
    let report = stridemap::scan_with_progress(&args.path, &options, |stage| {
        progress.stage(stage);
    });
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
    // gone first.
    let rendered: Vec<(Option<&PathBuf>, String)> = if plan.is_empty() {
        let format = args.format.unwrap_or(Format::Text).renderer();
        vec![(None, format.render(&report, color))]
    } else {
        let formats: Vec<_> = plan.iter().map(|(_, f)| f.renderer()).collect();
        let texts = stridemap_report::render_all(&report, &formats, color);
        plan.iter().map(|(path, _)| Some(path)).zip(texts).collect()
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
        match path {
            None => return print_stdout(&content),
            Some(path) => {
                if let Err(e) = std::fs::write(path, content) {
                    eprintln!("stridemap: cannot write {}: {e}", path.display());
                    return ExitCode::from(2);
                }
                written.push(path.display().to_string());
            }
        }
    }
    if !args.quiet {
        eprintln!(
            "stridemap: {} threats written to {}",
            report.summary.total,
            written.join(", ")
        );
    }
    ExitCode::SUCCESS
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
