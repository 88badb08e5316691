//! A small reader for the shell scripts of Dockerfile `RUN` steps and CI jobs: it splits a
//! script into simple commands (program, arguments, variables set, pipes and redirections)
//! without evaluating anything. Words are tokenised with [`crate::secrets::split_command`].

use crate::secrets::split_command;

/// One simple command of a script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    /// Base name of the program, past wrappers (`sudo`, `env`, `exec`…) and `VAR=value`.
    pub program: String,
    pub args: Vec<String>,
    /// Variables set for the command (`A=1 cmd`, `env A=1 cmd`, `export A=1`).
    pub env: Vec<(String, String)>,
    /// Wrappers the program runs under, by base name (`sudo`, `env`, `nohup`…).
    pub wrappers: Vec<String>,
    /// Its standard output feeds a pipe.
    pub piped_out: bool,
    /// It reads a pipe.
    pub piped_in: bool,
    /// Standard output goes to a file (not `/dev/stdout`/`/dev/stderr`).
    pub stdout_to_file: bool,
    /// Standard input comes from a file, a here-document or a here-string.
    pub stdin_redirected: bool,
    /// 0-based line of the script on which the command starts.
    pub line: usize,
}

impl Command {
    pub fn is(&self, names: &[&str]) -> bool {
        names.contains(&self.program.as_str())
    }

    /// The first argument that is not an option (the sub-command of `apt-get`, `docker`…),
    /// with its index.
    pub fn subcommand(&self) -> Option<(usize, &str)> {
        self.args
            .iter()
            .enumerate()
            .find(|(_, a)| !a.starts_with('-'))
            .map(|(i, a)| (i, a.as_str()))
    }

    pub fn has_flag(&self, flags: &[&str]) -> bool {
        self.args.iter().any(|a| {
            let name = a.split_once('=').map_or(a.as_str(), |(n, _)| n);
            flags.contains(&name)
        })
    }

    /// Values of an option: `--opt value`, `--opt=value`, and for short options `-o value`
    /// and `-ovalue`.
    pub fn option_values(&self, names: &[&str]) -> Vec<&str> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.args.len() {
            let a = self.args[i].as_str();
            if names.contains(&a) {
                if let Some(v) = self.args.get(i + 1) {
                    out.push(v.as_str());
                    i += 1;
                }
            } else if let Some((n, v)) = a.split_once('=') {
                if names.contains(&n) && n.starts_with("--") {
                    out.push(v);
                }
            } else if a.len() > 2 && !a.starts_with("--") {
                if let Some(n) = names
                    .iter()
                    .find(|n| n.len() == 2 && !n.starts_with("--") && a.starts_with(**n))
                {
                    out.push(&a[n.len()..]);
                }
            }
            i += 1;
        }
        out
    }
}

const KEYWORDS: &[&str] = &[
    "if", "then", "do", "else", "elif", "while", "until", "!", "{", "}", "fi", "done", "time", "(",
    ")",
];
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

pub fn base_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// `NAME=value` as an assignment.
pub fn assignment(word: &str) -> Option<(String, String)> {
    let (k, v) = word.split_once('=')?;
    let mut chars = k.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| (k.to_string(), v.to_string()))
}

/// How a segment of a script is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Sequence,
    Pipe,
}

/// Splits a script into simple-command texts at unquoted `;`, `&&`, `||`, `&`, `|`, newlines,
/// parentheses, backquotes and `$(`; drops comments and here-document bodies. Each segment
/// carries its 0-based start line and how it is joined to the previous one.
fn segments(script: &str) -> Vec<(String, usize, Link)> {
    let chars: Vec<char> = script.chars().collect();
    let mut out: Vec<(String, usize, Link)> = Vec::new();
    let mut cur = String::new();
    let mut cur_line = 0usize;
    let mut line = 0usize;
    let mut link = Link::Sequence;
    let mut quote: Option<char> = None;
    let mut heredocs: Vec<String> = Vec::new();
    let mut i = 0;
    let push = |out: &mut Vec<(String, usize, Link)>, cur: &mut String, at: usize, link: Link| {
        let text = std::mem::take(cur);
        if !text.trim().is_empty() {
            out.push((text, at, link));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if cur.trim().is_empty() {
            cur_line = line;
        }
        if let Some(q) = quote {
            if c == '\\' && q == '"' && i + 1 < chars.len() {
                cur.push(c);
                cur.push(chars[i + 1]);
                if chars[i + 1] == '\n' {
                    line += 1;
                }
                i += 2;
                continue;
            }
            if c == '\n' {
                line += 1;
            }
            if c == q {
                quote = None;
            }
            cur.push(c);
            i += 1;
            continue;
        }
        let at_word_start = cur
            .chars()
            .last()
            .is_none_or(|p| p.is_whitespace() || matches!(p, ';' | '&' | '|' | '(' | ')'));
        match c {
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                line += 1;
                cur.push(' ');
                i += 2;
                continue;
            }
            '\\' => {
                cur.push(c);
                if let Some(&n) = chars.get(i + 1) {
                    cur.push(n);
                }
                i += 2;
                continue;
            }
            '\'' | '"' => {
                quote = Some(c);
                cur.push(c);
            }
            '#' if at_word_start => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\n' => {
                push(&mut out, &mut cur, cur_line, link);
                link = Link::Sequence;
                line += 1;
                // Skip the bodies of here-documents opened on this line.
                for delim in std::mem::take(&mut heredocs) {
                    loop {
                        let start = i + 1;
                        if start >= chars.len() {
                            i = chars.len();
                            break;
                        }
                        let end = chars[start..]
                            .iter()
                            .position(|&c| c == '\n')
                            .map_or(chars.len(), |p| start + p);
                        let body_line: String = chars[start..end].iter().collect();
                        i = end;
                        line += 1;
                        if body_line.trim() == delim {
                            break;
                        }
                    }
                }
            }
            '<' if chars.get(i + 1) == Some(&'<') && chars.get(i + 2) != Some(&'<') => {
                // A here-document: remember its delimiter, keep `<<` as a stdin redirection.
                let mut j = i + 2;
                if chars.get(j) == Some(&'-') {
                    j += 1;
                }
                while chars.get(j).is_some_and(|c| *c == ' ' || *c == '\t') {
                    j += 1;
                }
                let mut delim = String::new();
                while let Some(&d) = chars.get(j) {
                    if d.is_whitespace() || matches!(d, ';' | '&' | '|' | '>' | '<' | ')') {
                        break;
                    }
                    if d != '\'' && d != '"' && d != '\\' {
                        delim.push(d);
                    }
                    j += 1;
                }
                if !delim.is_empty() {
                    heredocs.push(delim);
                }
                cur.push_str(" <<heredoc ");
                i = j;
                continue;
            }
            ';' | '(' | ')' | '`' => {
                push(&mut out, &mut cur, cur_line, link);
                link = Link::Sequence;
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                push(&mut out, &mut cur, cur_line, link);
                link = Link::Sequence;
                i += 2;
                continue;
            }
            '&' if chars.get(i + 1) == Some(&'&') => {
                push(&mut out, &mut cur, cur_line, link);
                link = Link::Sequence;
                i += 2;
                continue;
            }
            '&' if matches!(cur.chars().last(), Some('>') | Some('<'))
                || chars.get(i + 1) == Some(&'>') =>
            {
                // `2>&1`, `>&2`, `&>file`: part of a redirection.
                cur.push(c);
            }
            '&' => {
                push(&mut out, &mut cur, cur_line, link);
                link = Link::Sequence;
            }
            '|' if chars.get(i + 1) == Some(&'|') => {
                push(&mut out, &mut cur, cur_line, link);
                link = Link::Sequence;
                i += 2;
                continue;
            }
            '|' => {
                push(&mut out, &mut cur, cur_line, link);
                link = Link::Pipe;
            }
            _ => cur.push(c),
        }
        i += 1;
    }
    push(&mut out, &mut cur, cur_line, link);
    out
}

/// The simple commands of a script, `sh -c '…'` scripts expanded in place.
pub fn commands(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    commands_into(script, 0, 0, &mut out);
    out
}

/// The simple commands of an exec-form argument vector (`["apt-get", "install", "x"]`).
pub fn argv_command(argv: &[String]) -> Vec<Command> {
    let mut out = Vec::new();
    words_into(argv.to_vec(), 0, 0, &mut out);
    out
}

fn commands_into(script: &str, base_line: usize, depth: usize, out: &mut Vec<Command>) {
    let start = out.len();
    let segs = segments(script);
    for (n, (text, line, link)) in segs.iter().enumerate() {
        let before = out.len();
        words_into(split_command(text), base_line + line, depth, out);
        let piped_out = segs.get(n + 1).is_some_and(|s| s.2 == Link::Pipe);
        if let Some(first) = out.get_mut(before) {
            first.piped_in = *link == Link::Pipe;
        }
        if out.len() > before {
            out[before].piped_out = piped_out;
        }
    }
    let _ = start;
}

fn words_into(words: Vec<String>, line: usize, depth: usize, out: &mut Vec<Command>) {
    let mut cmd = Command {
        line,
        ..Default::default()
    };
    // Redirections first: they may stand anywhere in the command.
    let mut plain = Vec::new();
    let mut it = words.into_iter().peekable();
    while let Some(w) = it.next() {
        let digits = w.chars().take_while(char::is_ascii_digit).count();
        let rest = &w[digits..];
        if rest.starts_with('<') {
            cmd.stdin_redirected = true;
            if matches!(rest, "<" | "<<" | "<<<" | "<<-") {
                it.next();
            }
            continue;
        }
        let (fd_out, body) = if let Some(b) = rest.strip_prefix("&>>") {
            (true, b)
        } else if let Some(b) = rest.strip_prefix("&>") {
            (true, b)
        } else if let Some(b) = rest.strip_prefix(">>") {
            (digits == 0 || &w[..digits] == "1", b)
        } else if let Some(b) = rest.strip_prefix('>') {
            (digits == 0 || &w[..digits] == "1", b)
        } else {
            plain.push(w);
            continue;
        };
        let body = body.trim_start_matches('|');
        let target = if let Some(fd) = body.strip_prefix('&') {
            format!("&{fd}")
        } else if body.is_empty() {
            it.next().unwrap_or_default()
        } else {
            body.to_string()
        };
        if fd_out
            && !target.starts_with('&')
            && !matches!(target.as_str(), "/dev/stdout" | "/dev/stderr" | "/dev/tty")
        {
            cmd.stdout_to_file = true;
        }
    }
    let mut rest = plain.into_iter().peekable();
    while let Some(w) = rest.peek().cloned() {
        let name = base_name(&w);
        if KEYWORDS.contains(&w.as_str()) {
            rest.next();
        } else if let Some(a) = assignment(&w) {
            cmd.env.push(a);
            rest.next();
        } else if matches!(name, "sudo" | "doas") {
            cmd.wrappers.push(name.to_string());
            rest.next();
            while let Some(opt) = rest.peek().cloned().filter(|a| a.starts_with('-')) {
                rest.next();
                if opt == "--" {
                    break;
                }
                // Options that take a value: `-u user`, `-g group`…
                if matches!(
                    opt.as_str(),
                    "-u" | "-g" | "-C" | "-D" | "-h" | "-p" | "-r" | "-t" | "-U" | "-T"
                ) {
                    rest.next();
                }
            }
        } else if name == "env" {
            cmd.wrappers.push(name.to_string());
            rest.next();
            while let Some(opt) = rest.peek().cloned().filter(|a| a.starts_with('-')) {
                rest.next();
                if matches!(opt.as_str(), "-u" | "-C" | "--unset" | "--chdir") {
                    rest.next();
                }
            }
        } else if matches!(name, "exec" | "command" | "nohup" | "builtin" | "stdbuf") {
            cmd.wrappers.push(name.to_string());
            rest.next();
            while rest.peek().is_some_and(|a| a.starts_with('-')) {
                rest.next();
            }
        } else if name == "xargs" {
            cmd.wrappers.push(name.to_string());
            rest.next();
            while let Some(opt) = rest.peek().cloned().filter(|a| a.starts_with('-')) {
                rest.next();
                if matches!(
                    opt.as_str(),
                    "-I" | "-n"
                        | "-P"
                        | "-d"
                        | "-L"
                        | "-s"
                        | "-E"
                        | "-a"
                        | "--max-args"
                        | "--max-procs"
                        | "--delimiter"
                        | "--arg-file"
                ) {
                    rest.next();
                }
            }
        } else if matches!(name, "timeout" | "nice") {
            cmd.wrappers.push(name.to_string());
            rest.next();
            while let Some(opt) = rest.peek().cloned().filter(|a| a.starts_with('-')) {
                rest.next();
                if matches!(opt.as_str(), "-n" | "-s" | "-k") {
                    rest.next();
                }
            }
            if name == "timeout" {
                // The duration.
                rest.next();
            }
        } else {
            break;
        }
    }
    let Some(program) = rest.next() else {
        if !cmd.env.is_empty() || !cmd.wrappers.is_empty() {
            out.push(cmd);
        }
        return;
    };
    cmd.program = base_name(&program).to_string();
    cmd.args = rest.collect();
    if cmd.is(&["export", "declare", "typeset", "readonly", "local"]) {
        let assigned: Vec<_> = cmd.args.iter().filter_map(|a| assignment(a)).collect();
        cmd.env.extend(assigned);
    }
    // `sh -c 'script'`: the script's commands run too.
    if depth < 3 && SHELLS.contains(&cmd.program.as_str()) {
        if let Some(i) = cmd
            .args
            .iter()
            .position(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'))
        {
            if let Some(script) = cmd.args.get(i + 1).cloned() {
                out.push(cmd);
                commands_into(&script, line, depth + 1, out);
                return;
            }
        }
    }
    out.push(cmd);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progs(s: &str) -> Vec<String> {
        commands(s).into_iter().map(|c| c.program).collect()
    }

    #[test]
    fn splits_commands() {
        assert_eq!(
            progs("apt-get update && sudo apt-get install -y curl; echo 'a && b' || true"),
            vec!["apt-get", "apt-get", "echo", "true"]
        );
        let c = &commands("sudo -u app -E pip install x")[0];
        assert_eq!(c.program, "pip");
        assert_eq!(c.wrappers, vec!["sudo"]);
        assert_eq!(c.args, vec!["install", "x"]);
        assert_eq!(progs("apt-get install sudo"), vec!["apt-get"]);
        assert_eq!(
            progs("sh -c \"curl -s x | bash\""),
            vec!["sh", "curl", "bash"]
        );
        assert_eq!(
            progs("echo $(cat /etc/x) `date`"),
            vec!["echo", "cat", "date"]
        );
        assert_eq!(progs("A=1 B=2 env C=3 make # comment && rm"), vec!["make"]);
        assert_eq!(
            progs("echo \"${TAGS}\" | xargs -I {} cosign sign --yes {}@${DIGEST}"),
            vec!["echo", "cosign"]
        );
    }

    #[test]
    fn pipes_and_redirections() {
        let cs = commands(
            "echo \"$P\" | docker login -u x --password-stdin\necho hi > out.txt 2>&1\necho ok >&2",
        );
        assert!(cs[0].piped_out && !cs[0].piped_in);
        assert!(cs[1].piped_in && cs[1].is(&["docker"]));
        assert!(cs[2].stdout_to_file);
        assert_eq!(cs[2].line, 1);
        assert!(!cs[3].stdout_to_file);
        assert_eq!(cs[3].line, 2);
        let cs = commands("chpasswd < users.txt");
        assert!(cs[0].stdin_redirected);
    }

    #[test]
    fn heredocs_and_continuations() {
        let cs = commands("cat <<EOF > f\nrm -rf /\nEOF\napt-get \\\n  install x\nls");
        assert_eq!(
            cs.iter().map(|c| c.program.as_str()).collect::<Vec<_>>(),
            vec!["cat", "apt-get", "ls"]
        );
        assert!(cs[0].stdin_redirected && cs[0].stdout_to_file);
        assert_eq!(cs[1].line, 3);
        assert_eq!(cs[2].line, 5);
    }

    #[test]
    fn options() {
        let c = &commands("docker build -t a:1 --tag=b:2 -tc:3 .")[0];
        assert_eq!(c.option_values(&["-t", "--tag"]), vec!["a:1", "b:2", "c:3"]);
        assert_eq!(c.subcommand(), Some((0, "build")));
    }
}
