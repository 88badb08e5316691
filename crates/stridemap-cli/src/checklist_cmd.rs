//! `stridemap checklist PATH`: the security checklist answered for a scanned system.

use crate::{ColorChoice, EXIT_SCAN_FAILED, EXIT_USAGE};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use stridemap::config::Config;
use stridemap_ingest::{Options, WalkOptions};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ChecklistFormat {
    Text,
    /// The report's `checklist` object (its schema is `Checklist` in `stridemap schema report`).
    Json,
    Markdown,
}

#[derive(clap::Args)]
pub struct ChecklistArgs {
    /// Directory or file to scan.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[arg(short, long, value_enum, default_value_t = ChecklistFormat::Text)]
    format: ChecklistFormat,
    /// Leave out the per-namespace verdicts (text format).
    #[arg(long)]
    no_namespaces: bool,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Do not honour .gitignore, .ignore and git exclude files.
    #[arg(long)]
    no_ignore: bool,
    /// Configuration file [default: the first stridemap.toml or .stridemap.toml found from the
    /// scanned path upwards].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Colour in the text format: auto, always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

pub fn run(args: ChecklistArgs) -> ExitCode {
    if !args.path.exists() {
        eprintln!(
            "stridemap: {}: no such file or directory",
            args.path.display()
        );
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
    let options = stridemap::with_config_excludes(
        Options {
            walk: WalkOptions {
                no_ignore: args.no_ignore,
                exclude: args.exclude.clone(),
                config_exclude: None,
            },
            ..Options::default()
        },
        &config,
    );
    let report = match stridemap::scan_configured(
        &args.path,
        &options,
        &config,
        &stridemap::Controls::default(),
        |_| {},
    ) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("stridemap: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let out = match args.format {
        ChecklistFormat::Text => {
            stridemap_report::checklist::text(&report.checklist, color, !args.no_namespaces)
        }
        ChecklistFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&report.checklist).expect("checklist serialises");
            s.push('\n');
            s
        }
        ChecklistFormat::Markdown => {
            let md = stridemap_report::checklist::markdown(&report.checklist);
            format!(
                "# Security checklist: `{}`{}",
                report.target,
                md.trim_start_matches('\n')
                    .strip_prefix("## Security checklist")
                    .unwrap_or(&md)
            )
        }
    };
    crate::print_stdout(&out)
}
