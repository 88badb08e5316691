//! Shared pieces of the Dockerfile rules.

use stridemap_model::dockerfile::{Detail, Dockerfile, Instruction, Stage};

/// The stage a stage builds on, when its `FROM` names an earlier stage (case-insensitive).
pub fn parent_stage<'a>(df: &'a Dockerfile, stage: &Stage) -> Option<&'a Stage> {
    let name = stage.image.trim();
    df.stages[..stage.index].iter().rev().find(|s| {
        s.alias
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(name))
            || s.index.to_string() == name
    })
}

/// The `USER` instruction in effect at the end of `stage`: its own last `USER`, else the one
/// inherited from the earlier stage it builds on. `None` when no `USER` applies (the base
/// image's default user runs).
pub fn effective_user<'a>(df: &'a Dockerfile, stage: &Stage) -> Option<(&'a Instruction, &'a str)> {
    let mut current = stage;
    // Each hop goes to a strictly earlier stage, so this ends.
    loop {
        let last = df
            .stage_instructions(current)
            .iter()
            .rev()
            .find_map(|i| match &i.detail {
                Detail::User { user } => Some((i, user.as_str())),
                _ => None,
            });
        if last.is_some() {
            return last;
        }
        current = parent_stage(df, current)?;
    }
}

/// The first stage of the chain that ends at `stage` (following `FROM <earlier stage>`).
pub fn root_stage<'a>(df: &'a Dockerfile, stage: &'a Stage) -> &'a Stage {
    let mut current = stage;
    while let Some(parent) = parent_stage(df, current) {
        current = parent;
    }
    current
}

/// `root`, `0`, `root:root`, `0:0`: the user part names the super-user.
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.eq_ignore_ascii_case("root") || name == "0"
}

/// Splits a shell command line into simple commands at `;`, `&&`, `||` and newlines, keeping
/// pipelines together. Quotes are honoured.
pub fn pipelines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                cur.push(c);
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    cur.push(c);
                }
                ';' | '\n' => out.push(std::mem::take(&mut cur)),
                '&' if chars.get(i + 1) == Some(&'&') => {
                    out.push(std::mem::take(&mut cur));
                    i += 1;
                }
                '|' if chars.get(i + 1) == Some(&'|') => {
                    out.push(std::mem::take(&mut cur));
                    i += 1;
                }
                _ => cur.push(c),
            },
        }
        i += 1;
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Splits one pipeline at unquoted single `|`.
pub fn pipe_segments(pipeline: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in pipeline.chars() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                cur.push(c);
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    cur.push(c);
                }
                '|' => out.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            },
        }
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_users() {
        for u in ["root", "0", "root:root", "0:0", "ROOT"] {
            assert!(is_root_user(u), "{u}");
        }
        for u in ["app", "1000", "1000:0", "nobody", "rootless"] {
            assert!(!is_root_user(u), "{u}");
        }
    }

    #[test]
    fn splitting() {
        assert_eq!(
            pipelines("apt-get update && curl -s x | sh; echo 'a && b' || true"),
            vec!["apt-get update", "curl -s x | sh", "echo 'a && b'", "true"]
        );
        assert_eq!(
            pipe_segments("curl -fsSL https://x | sudo bash -s --"),
            vec!["curl -fsSL https://x", "sudo bash -s --"]
        );
    }
}
