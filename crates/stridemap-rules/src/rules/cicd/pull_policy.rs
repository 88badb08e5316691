use crate::helpers::on_container;
use crate::rules::image::util::{has_digest, mutable_tag};
use crate::{Check, Context, Sink};
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers whose image is referenced by tag and whose effective
    /// `imagePullPolicy` is not `Always`: an explicit `IfNotPresent` or `Never`, or no policy
    /// with a version tag (Kubernetes then defaults to `IfNotPresent`). Images pinned by digest
    /// need no re-pull and are not reported; `latest` and untagged images default to `Always`.
    /// References built from templates are judged only when their tag is written out.
    ///
    /// ## Why is this bad?
    /// With `IfNotPresent` the kubelet trusts whatever image with that name is already on the
    /// node. A tag that was re-pushed is not picked up, so replicas on different nodes run
    /// different code, and an image planted in the node's cache — or a private image another
    /// team pulled with its credentials — is started without the registry ever being asked.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/shop/api:2.7.1
    ///     imagePullPolicy: IfNotPresent
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/shop/api:2.7.1@sha256:9f3c4a1e0b7d2c5f8e6a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e
    /// ```
    /// Pin the digest (then any policy is safe), or set `imagePullPolicy: Always` so the
    /// registry checks the tag and the pod's credentials on every start.
    pub struct PullPolicyNotAlways {
        id: "CICD-PULL-POLICY",
        title: "Tagged image not pulled with `imagePullPolicy: Always`",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Low,
        cwe: [1357, 494],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_15",
            "kics:caa3479d-885d-4882-9aac-95e5e78ef5c2",
        ],
        attack_scenario: "A compromised workload on a shared node loads a modified image into the node's container cache under the tag another team deploys; that team's next pod scheduled there starts the planted image because `IfNotPresent` never consults the registry.",
        mitigation: "Reference images by digest, or set `imagePullPolicy: Always` on containers that use tags; enable the `AlwaysPullImages` admission plugin on multi-tenant clusters.",
    }
}

/// The tag a reference spells out, when it can be read (templates allowed before it).
fn literal_tag(reference: &str) -> Option<&str> {
    let tail = reference.rsplit(['/', '}']).next().unwrap_or("");
    let (_, tag) = tail.rsplit_once(':')?;
    (!tag.is_empty() && !tag.contains('$') && !tag.contains('{')).then_some(tag)
}

impl Check for PullPolicyNotAlways {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let Some(node) = c.image() else { continue };
            let Some(reference) = node.as_str().map(str::trim).filter(|r| !r.is_empty()) else {
                continue;
            };
            if has_digest(reference)
                || (ImageRef::is_templated(reference) && reference.contains('@'))
            {
                continue;
            }
            let policy = c.node.get("imagePullPolicy");
            match policy.and_then(Node::as_str) {
                Some("Always") => continue,
                Some(p) => {
                    let n = policy.expect("has a value");
                    if ImageRef::is_templated(p) {
                        continue;
                    }
                    on_container(out, w, &c, n.loc, format!("{} of {} pulls `{reference}` with `imagePullPolicy: {p}`, so a copy already on the node is used without asking the registry", c.describe(), w.object.resource_id()));
                }
                None => {
                    let judged = if ImageRef::is_templated(reference) {
                        literal_tag(reference).filter(|t| !t.eq_ignore_ascii_case("latest"))
                    } else if mutable_tag(reference).is_none() {
                        literal_tag(reference)
                    } else {
                        None
                    };
                    if let Some(tag) = judged {
                        on_container(out, w, &c, node.loc, format!("{} of {} pulls `{reference}` by tag `{tag}` without `imagePullPolicy: Always`, so the default `IfNotPresent` reuses whatever image with that name is cached on the node", c.describe(), w.object.resource_id()));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(literal_tag("$PRIVATE_IMAGE_NAME:1.2"), Some("1.2"));
        assert_eq!(literal_tag("{{ .Values.repo }}:{{ .Values.tag }}"), None);
        assert_eq!(literal_tag("reg.io:5000/app"), None);
        assert_eq!(literal_tag("nginx:1.25"), Some("1.25"));
    }
}
