//! Package installs in `RUN` steps: which manager, which packages, which of them carry no
//! version. Commands are read with the CI/CD module's shell reader.

use crate::rules::cicd::shell::{self, Command};
use stridemap_model::dockerfile::{Detail, Dockerfile, Instruction};

/// The simple commands of every `RUN` instruction, with the instruction's index.
pub fn run_commands(df: &Dockerfile) -> Vec<(usize, &Instruction, Vec<Command>)> {
    df.instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.keyword == "RUN")
        .filter_map(|(n, i)| match &i.detail {
            Detail::Command { text, .. } => Some((n, i, shell::commands(text))),
            _ => None,
        })
        .collect()
}

/// One install command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub manager: String,
    /// Packages named without a version (or with one that does not bound it).
    pub unpinned: Vec<String>,
}

/// Positional arguments, skipping options and the values of options that take one.
fn positional<'a>(args: &'a [String], value_opts: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--" {
            out.extend(args[i + 1..].iter().map(String::as_str));
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            if value_opts.contains(&a) {
                i += 1;
            }
        } else {
            out.push(a);
        }
        i += 1;
    }
    out
}

/// A word that names something other than a registry package: a path, a URL, a local
/// archive, or anything built from variables.
fn not_a_registry_package(p: &str) -> bool {
    p.is_empty()
        || p.contains('$')
        || p.contains('*')
        || p.contains("://")
        || p.starts_with('.')
        || p.starts_with('/')
        || p.starts_with('~')
        || p.starts_with('@')
        || p.starts_with('<')
        || [
            ".deb", ".rpm", ".apk", ".whl", ".tar.gz", ".tgz", ".zip", ".gem", ".txt",
        ]
        .iter()
        .any(|ext| p.ends_with(ext))
}

/// `name-1.2.3`, `name-1.2-3.el9`: an RPM-style `-<version>` suffix.
fn rpm_versioned(p: &str) -> bool {
    p.rfind('-')
        .is_some_and(|i| i > 0 && p[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
}

fn install(manager: &str, packages: Vec<&str>, pinned: impl Fn(&str) -> bool) -> Option<Install> {
    let unpinned: Vec<String> = packages
        .into_iter()
        .filter(|p| !not_a_registry_package(p) && !pinned(p))
        .map(str::to_string)
        .collect();
    (!unpinned.is_empty()).then(|| Install {
        manager: manager.to_string(),
        unpinned,
    })
}

/// An operating-system package install without versions.
pub fn os_install(cmd: &Command) -> Option<Install> {
    match cmd.program.as_str() {
        "apt-get" | "apt" | "aptitude" => {
            let pos = positional(
                &cmd.args,
                &[
                    "-t",
                    "--target-release",
                    "--default-release",
                    "-o",
                    "--option",
                    "-c",
                    "--config-file",
                ],
            );
            let (sub, pkgs) = pos.split_first()?;
            if *sub != "install" {
                return None;
            }
            install(&cmd.program, pkgs.to_vec(), |p| p.contains('='))
        }
        "apk" => {
            let pos = positional(
                &cmd.args,
                &[
                    "-t",
                    "--virtual",
                    "-X",
                    "--repository",
                    "-p",
                    "--root",
                    "--arch",
                    "--cache-dir",
                    "--keys-dir",
                    "--repositories-file",
                    "--cache-max-age",
                    "--timeout",
                ],
            );
            let (sub, pkgs) = pos.split_first()?;
            if *sub != "add" {
                return None;
            }
            install("apk", pkgs.to_vec(), |p| p.contains(['=', '~', '<', '>']))
        }
        "yum" | "dnf" | "microdnf" | "tdnf" => {
            let pos = positional(
                &cmd.args,
                &[
                    "--enablerepo",
                    "--disablerepo",
                    "--setopt",
                    "-c",
                    "--config",
                    "--installroot",
                    "--releasever",
                    "-x",
                    "--exclude",
                    "--repo",
                    "--repoid",
                    "--repofrompath",
                    "--downloaddir",
                    "--destdir",
                    "-d",
                    "--debuglevel",
                    "-e",
                    "--errorlevel",
                    "--color",
                    "--forcearch",
                ],
            );
            let (sub, pkgs) = pos.split_first()?;
            if !matches!(*sub, "install" | "reinstall") {
                return None;
            }
            install(&cmd.program, pkgs.to_vec(), |p| {
                rpm_versioned(p) || p.contains(['=', '<', '>'])
            })
        }
        "zypper" => {
            let pos = positional(
                &cmd.args,
                &[
                    "--root",
                    "-R",
                    "--reposd-dir",
                    "-D",
                    "--cache-dir",
                    "-C",
                    "--config",
                    "-c",
                    "-r",
                    "--repo",
                    "-t",
                    "--type",
                    "--from",
                ],
            );
            let (sub, pkgs) = pos.split_first()?;
            if !matches!(*sub, "install" | "in") {
                return None;
            }
            let pkgs: Vec<&str> = pkgs.iter().copied().filter(|p| !p.contains(':')).collect();
            install("zypper", pkgs, |p| {
                rpm_versioned(p) || p.contains(['=', '<', '>'])
            })
        }
        _ => None,
    }
}

/// A Python requirement with an upper bound or an exact version.
fn pip_pinned(p: &str) -> bool {
    let spec = p
        .split(';')
        .next()
        .unwrap_or(p)
        .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let spec = match spec.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or("", |(_, s)| s),
        None => spec,
    };
    if spec.is_empty() || spec.trim_start().starts_with('@') {
        return spec.trim_start().starts_with('@');
    }
    spec.contains('<') || spec.contains("==") || spec.contains("~=") || spec.starts_with('=')
}

/// An npm/yarn spec with a version (not a dist-tag such as `latest`, not open-ended).
fn npm_pinned(p: &str) -> bool {
    let body = p.strip_prefix('@').unwrap_or(p);
    let Some((_, spec)) = body.split_once('@') else {
        return false;
    };
    let spec = spec.trim();
    if spec.contains('<') || spec.contains(" - ") {
        return true;
    }
    let first = spec.chars().next().unwrap_or(' ');
    let spec_digits = spec.trim_start_matches(['v', '=', '^', '~']);
    (first.is_ascii_digit() || matches!(first, '=' | '^' | '~' | 'v'))
        && spec_digits.starts_with(|c: char| c.is_ascii_digit())
}

fn is_pip(cmd: &Command) -> Option<usize> {
    let p = cmd.program.as_str();
    if p.starts_with("pip") && p[3..].chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Some(0);
    }
    if p.starts_with("python")
        && cmd.args.first().map(String::as_str) == Some("-m")
        && cmd.args.get(1).is_some_and(|m| m == "pip")
    {
        return Some(2);
    }
    None
}

/// A language package install (pip, npm, yarn, pnpm, gem) without versions.
pub fn lang_install(cmd: &Command) -> Option<Install> {
    if let Some(skip) = is_pip(cmd) {
        let pos = positional(
            &cmd.args[skip..],
            &[
                "-r",
                "--requirement",
                "-c",
                "--constraint",
                "-e",
                "--editable",
                "-i",
                "--index-url",
                "--extra-index-url",
                "-f",
                "--find-links",
                "--trusted-host",
                "-t",
                "--target",
                "--prefix",
                "--root",
                "--src",
                "--platform",
                "--python-version",
                "--implementation",
                "--abi",
                "--progress-bar",
                "--log",
                "--cache-dir",
                "--timeout",
                "--retries",
                "--proxy",
                "--cert",
                "--client-cert",
                "--no-binary",
                "--only-binary",
                "--upgrade-strategy",
                "--global-option",
                "--install-option",
                "-C",
                "--config-settings",
                "--report",
                "--exists-action",
                "--python",
                "--root-user-action",
            ],
        );
        let (sub, pkgs) = pos.split_first()?;
        if *sub != "install" {
            return None;
        }
        return install("pip", pkgs.to_vec(), pip_pinned);
    }
    match cmd.program.as_str() {
        "npm" | "pnpm" | "yarn" => {
            let pos = positional(
                &cmd.args,
                &[
                    "--registry",
                    "--prefix",
                    "--cache",
                    "--userconfig",
                    "--globalconfig",
                    "--loglevel",
                    "--tag",
                    "-w",
                    "--workspace",
                    "--omit",
                    "--include",
                    "--install-strategy",
                    "--location",
                    "--before",
                    "--cwd",
                    "--network-timeout",
                    "--cache-folder",
                    "--modules-folder",
                    "-C",
                    "--dir",
                    "--filter",
                    "-F",
                ],
            );
            let pos: Vec<&str> = if cmd.program == "yarn" && pos.first() == Some(&"global") {
                pos[1..].to_vec()
            } else {
                pos
            };
            let (sub, pkgs) = pos.split_first()?;
            let installs = match cmd.program.as_str() {
                "yarn" => *sub == "add",
                "pnpm" => matches!(*sub, "add" | "install" | "i"),
                _ => matches!(*sub, "install" | "i" | "add" | "in" | "isntall"),
            };
            if !installs {
                return None;
            }
            let pkgs: Vec<&str> = pkgs
                .iter()
                .copied()
                .filter(|p| {
                    !p.starts_with("git") && !p.starts_with("file:") && !p.starts_with("github:")
                })
                .collect();
            // A scoped package starts with `@`, which the generic filter takes for a group.
            let unpinned: Vec<String> = pkgs
                .into_iter()
                .filter(|p| {
                    let bare = p.strip_prefix('@').unwrap_or(p);
                    let scope_only = p.starts_with('@') && !bare.contains('/');
                    !not_a_registry_package(bare) && !scope_only && !npm_pinned(p)
                })
                .map(str::to_string)
                .collect();
            (!unpinned.is_empty()).then(|| Install {
                manager: cmd.program.clone(),
                unpinned,
            })
        }
        "gem" => {
            let pos = positional(
                &cmd.args,
                &[
                    "-v",
                    "--version",
                    "-i",
                    "--install-dir",
                    "-n",
                    "--bindir",
                    "-s",
                    "--source",
                    "-P",
                    "--trust-policy",
                    "--platform",
                    "--document",
                    "--build-root",
                    "-g",
                    "--file",
                    "--without",
                    "--with",
                ],
            );
            let (sub, pkgs) = pos.split_first()?;
            if !matches!(*sub, "install" | "i") {
                return None;
            }
            let versioned = !cmd.option_values(&["-v", "--version"]).is_empty();
            let single = pkgs.len() == 1;
            install("gem", pkgs.to_vec(), |p| {
                p.contains(':') || (versioned && single)
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::cicd::shell::commands;

    fn os(s: &str) -> Vec<String> {
        commands(s)
            .iter()
            .filter_map(os_install)
            .flat_map(|i| i.unpinned)
            .collect()
    }

    fn lang(s: &str) -> Vec<String> {
        commands(s)
            .iter()
            .filter_map(lang_install)
            .flat_map(|i| i.unpinned)
            .collect()
    }

    #[test]
    fn os_packages() {
        assert_eq!(
            os("apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 git"),
            vec!["git"]
        );
        assert!(os("apt-get install -y -t bookworm-backports").is_empty());
        assert_eq!(
            os("apt-get -o Dpkg::Options::=--force-confold install -y vim"),
            vec!["vim"]
        );
        assert!(os("apt-get install ./local.deb").is_empty());
        assert_eq!(
            os("apk add --no-cache --virtual .build gcc musl-dev=1.2.4-r2"),
            vec!["gcc"]
        );
        assert!(
            os("apk --quiet --update --no-cache add libstdc++==11.2.1_git20220219-r2").is_empty()
        );
        assert_eq!(os("dnf -y install httpd && dnf clean all"), vec!["httpd"]);
        assert!(os("yum install -y httpd-2.24.2 rethinkdb-$V").is_empty());
        assert_eq!(
            os("yum install -y java-17-openjdk"),
            vec!["java-17-openjdk"]
        );
        assert_eq!(os("zypper -n in httpd curl=8.0"), vec!["httpd"]);
        assert!(os("apt-get update && apt-get upgrade -y").is_empty());
    }

    #[test]
    fn language_packages() {
        assert_eq!(
            lang("pip install --no-cache-dir flask==3.0.0 requests>=2 gunicorn"),
            vec!["requests>=2", "gunicorn"]
        );
        assert!(lang("pip install -r requirements.txt").is_empty());
        assert!(lang("pip3 install -c constraints.txt").is_empty());
        assert!(lang("pip install --upgrade pip=20.3 'django<5' uvicorn~=0.30").is_empty());
        assert_eq!(lang("python3 -m pip install --user pipenv"), vec!["pipenv"]);
        assert!(lang("pip install -e . && pip install ./dist/app.whl").is_empty());
        assert_eq!(
            lang("npm i -g @angular/cli && npm install sax@1.2.4"),
            vec!["@angular/cli"]
        );
        assert_eq!(lang("npm install sax@latest"), vec!["sax@latest"]);
        assert!(lang("npm install && npm ci && npm install --production").is_empty());
        assert!(lang("npm install git://github.com/npm/cli.git").is_empty());
        assert_eq!(lang("yarn global add serve"), vec!["serve"]);
        assert!(lang("yarn install --frozen-lockfile").is_empty());
        assert_eq!(lang("gem install bundler"), vec!["bundler"]);
        assert!(lang("gem install bundler:2.0.2 && gem install grpc -v 1.2").is_empty());
        assert_eq!(
            lang("gem install grpc -v 1.2 blunder"),
            vec!["grpc", "blunder"]
        );
    }
}

/// Reports every install command `install` recognises in `df`'s `RUN` steps that leaves
/// packages unpinned: one finding per command, naming the packages.
pub fn report_unpinned(
    df: &Dockerfile,
    cx: &crate::Context,
    out: &mut crate::Sink,
    install: fn(&Command) -> Option<Install>,
) {
    let path = &cx.corpus.file(df.file).path;
    for (i, ins, cmds) in run_commands(df) {
        for (n, inst) in cmds.iter().filter_map(install).enumerate() {
            let list = inst
                .unpinned
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ");
            crate::helpers::on_dockerfile(
                out,
                cx.corpus,
                df,
                ins.loc,
                format!(
                    "a `RUN` step in `{path}` installs {list} with {} without pinning a version",
                    inst.manager
                ),
            )
            .key_part(format!("run{i}:{}{n}", inst.manager));
        }
    }
}
