//! Container image references.

/// A parsed image reference such as `registry.example.com:5000/team/app:1.2@sha256:…`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageRef {
    pub registry: Option<String>,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(reference: &str) -> ImageRef {
        let reference = reference.trim();
        let (rest, digest) = match reference.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (reference, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_string()),
            ),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_string()), rest.to_string())
            }
            _ => (None, name.to_string()),
        };
        ImageRef {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// True when the reference is built from variables or templates we cannot resolve here.
    pub fn is_templated(reference: &str) -> bool {
        reference.contains("${")
            || reference.contains("{{")
            || reference.starts_with('$')
            || reference.contains("$(")
    }

    pub fn uses_latest(&self) -> bool {
        self.digest.is_none()
            && self
                .tag
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case("latest"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = ImageRef::parse("registry.example.com:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.registry.as_deref(), Some("registry.example.com:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = ImageRef::parse("localhost:5000/app");
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.tag, None);
        assert!(r.uses_latest());
        assert!(ImageRef::parse("nginx:latest").uses_latest());
        assert!(!ImageRef::parse("nginx@sha256:abc").uses_latest());
        assert!(!ImageRef::parse("nginx:1.25").uses_latest());
        assert!(ImageRef::is_templated("${REGISTRY}/app:${TAG}"));
    }
}
