use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use stridemap_ingest::{Options, WalkOptions};
use stridemap_model::Severity;
use stridemap_report::{json, markdown, rules_doc, text};

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
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
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
    /// Exit with 1 when a threat at or above this severity is reported [default: high].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
}

/// The lowest severity that makes `scan` exit with 1; `none` never does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Markdown,
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
                eprintln!("stridemap: no rule `{id}`; `stridemap rules` lists them");
                ExitCode::from(EXIT_USAGE)
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
    let options = Options {
        walk: WalkOptions {
            no_ignore: args.no_ignore,
            exclude: args.exclude.clone(),
        },
        max_file_size: args.max_file_size,
        ..Options::default()
    };
    // A spinner only where a person watches: stderr is a terminal and not silenced.
    let spinner = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        pb
    });
    let report = stridemap::scan_with_progress(&args.path, &options, |stage| {
        if let Some(pb) = &spinner {
            pb.set_message(stage.to_string());
        }
    });
    if let Some(pb) = spinner {
        pb.finish_and_clear();
    }

    if !args.quiet {
        let mut stderr = anstream::stderr().lock();
        for d in &report.diagnostics {
            let _ = writeln!(stderr, "{d}");
        }
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let rendered = match args.format {
        Format::Text => text::render(&report, color),
        Format::Json => json::render(&report),
        Format::Markdown => markdown::render(&report),
    };
    let written = match &args.output {
        Some(path) => match std::fs::write(path, rendered) {
            Ok(()) => {
                if !args.quiet {
                    eprintln!(
                        "stridemap: {} threats written to {}",
                        report.summary.total,
                        path.display()
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("stridemap: cannot write {}: {e}", path.display());
                ExitCode::from(EXIT_SCAN_FAILED)
            }
        },
        None => print_stdout(&rendered),
    };
    if written != ExitCode::SUCCESS {
        return written;
    }
    let threshold = args.fail_on.unwrap_or(FailOn::High).threshold();
    let failing = threshold.map_or(0, |at| {
        report
            .threats
            .iter()
            .filter(|t| t.severity <= at)
            .count()
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
