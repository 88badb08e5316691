//! Shared pieces of the image rules: which references name a pulled image, and how they are
//! pinned.

use stridemap_model::compose::ComposeService;
use stridemap_model::dockerfile::{Detail, Dockerfile, Stage};
use stridemap_model::image::ImageRef;
use stridemap_model::{Location, Node};

/// True when the reference carries a content digest (`name@sha256:…`).
pub fn has_digest(reference: &str) -> bool {
    reference.split_once('@').is_some_and(|(_, d)| {
        d.split_once(':')
            .is_some_and(|(alg, hex)| !alg.is_empty() && !hex.is_empty())
    })
}

/// How a reference fails to name a fixed version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutable {
    /// No tag and no digest: the registry's `latest` is pulled.
    NoTag,
    /// An explicit `:latest`.
    Latest,
}

/// `None` when the reference has a version tag or a digest, or cannot be judged (templated).
pub fn mutable_tag(reference: &str) -> Option<Mutable> {
    let reference = reference.trim();
    if reference.is_empty() || has_digest(reference) {
        return None;
    }
    if ImageRef::is_templated(reference) {
        // `{{ .Values.registry }}/app:latest` still says `latest` in so many words.
        let tail = reference.rsplit(['/', '}']).next().unwrap_or("");
        let explicit_latest = tail
            .rsplit_once(':')
            .is_some_and(|(_, tag)| tag.eq_ignore_ascii_case("latest"));
        return explicit_latest.then_some(Mutable::Latest);
    }
    let parsed = ImageRef::parse(reference);
    if parsed.repository.is_empty() {
        return None;
    }
    match parsed.tag.as_deref() {
        None => Some(Mutable::NoTag),
        Some(t) if t.eq_ignore_ascii_case("latest") => Some(Mutable::Latest),
        Some("") => Some(Mutable::NoTag),
        Some(_) => None,
    }
}

/// The `image:` of a Compose service that Compose pulls: a service that also has `build:` builds
/// its image locally and `image:` only names the result.
pub fn compose_pulled_image<'a>(service: &ComposeService<'a>) -> Option<(&'a str, &'a Node)> {
    if service.get("build").is_some_and(|b| !b.is_null()) {
        return None;
    }
    let node = service.get("image")?;
    node.as_str().map(|s| (s, node))
}

/// A `FROM` that names an image pulled from a registry.
#[derive(Debug, Clone)]
pub struct BaseImage<'a> {
    pub stage: &'a Stage,
    /// The reference with build arguments replaced by their defaults.
    pub reference: String,
    pub loc: Location,
}

/// The registry images a Dockerfile builds on: not `scratch`, not an earlier stage, with global
/// `ARG` defaults substituted (`FROM ${BASE}`). References that still hold variables after
/// substitution are left out: they cannot be judged.
pub fn base_images(df: &Dockerfile) -> Vec<BaseImage<'_>> {
    let args = global_args(df);
    let mut out = Vec::new();
    for stage in &df.stages {
        let reference = substitute(&stage.image, &args);
        if reference.is_empty()
            || reference.eq_ignore_ascii_case("scratch")
            || ImageRef::is_templated(&reference)
            || is_earlier_stage(df, stage, &reference)
        {
            continue;
        }
        out.push(BaseImage {
            stage,
            reference,
            loc: stage.loc,
        });
    }
    out
}

/// Whether `name` is the alias (or the index) of a stage before `stage`. Stage names are
/// case-insensitive.
pub fn is_earlier_stage(df: &Dockerfile, stage: &Stage, name: &str) -> bool {
    df.stages[..stage.index].iter().any(|s| {
        s.alias
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(name))
            || s.index.to_string() == name
    })
}

/// `ARG` defaults declared before the first `FROM`: the only ones `FROM` can use.
fn global_args(df: &Dockerfile) -> Vec<(String, String)> {
    let mut args = Vec::new();
    for ins in df.instructions.iter().take_while(|i| i.stage.is_none()) {
        if let Detail::Arg(pairs) = &ins.detail {
            for kv in pairs {
                if let Some(v) = &kv.value {
                    args.push((kv.key.clone(), v.clone()));
                }
            }
        }
    }
    args
}

/// Replaces `$NAME` and `${NAME}` (also `${NAME:-default}`) with known values.
fn substitute(text: &str, args: &[(String, String)]) -> String {
    let lookup = |name: &str| {
        args.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(body) = after.strip_prefix('{') {
            let Some(end) = body.find('}') else {
                out.push_str(&rest[i..]);
                return out;
            };
            let inner = &body[..end];
            let (name, default) = match inner.split_once(":-").or_else(|| inner.split_once('-')) {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            match lookup(name).or_else(|| default.map(str::to_string)) {
                Some(v) => out.push_str(&v),
                None => out.push_str(&rest[i..i + 2 + end + 1]),
            }
            rest = &body[end + 1..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            let name = &after[..len];
            match lookup(name).filter(|_| !name.is_empty()) {
                Some(v) => out.push_str(&v),
                None => out.push_str(&rest[i..i + 1 + len]),
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_digests() {
        assert_eq!(mutable_tag("nginx"), Some(Mutable::NoTag));
        assert_eq!(mutable_tag("nginx:latest"), Some(Mutable::Latest));
        assert_eq!(mutable_tag("localhost:5000/app"), Some(Mutable::NoTag));
        assert_eq!(mutable_tag("nginx:1.25"), None);
        assert_eq!(mutable_tag("nginx@sha256:abc"), None);
        assert_eq!(mutable_tag("nginx:latest@sha256:abc"), None);
        assert_eq!(mutable_tag("app:${TAG}"), None);
        assert_eq!(mutable_tag("{{ .Values.image }}"), None);
        assert_eq!(
            mutable_tag("{{ .Values.registry }}/shop/api:latest"),
            Some(Mutable::Latest)
        );
        assert_eq!(mutable_tag("${REGISTRY}/api:${TAG:-latest}"), None);
        assert!(has_digest("r.io/a/b:1@sha256:0123"));
        assert!(!has_digest("r.io/a/b:1"));
    }

    #[test]
    fn arg_substitution() {
        let args = vec![("BASE".to_string(), "alpine:3.19".to_string())];
        assert_eq!(substitute("$BASE", &args), "alpine:3.19");
        assert_eq!(substitute("${BASE}", &args), "alpine:3.19");
        assert_eq!(substitute("${OTHER:-debian}", &args), "debian");
        assert_eq!(substitute("repo/app:$TAG", &args), "repo/app:$TAG");
    }
}
