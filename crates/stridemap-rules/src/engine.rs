//! Runs every rule over every document, in parallel, each document visited once.

use crate::{Finding, Rule, Sink};
use rayon::prelude::*;
use std::sync::OnceLock;
use stridemap_model::architecture::ArchitectureGraph;
use stridemap_model::mesh::PoliciesByNamespace;
use stridemap_model::Corpus;

/// What the user told the rules about their system (from `stridemap.toml`).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Registries (`registry.example.com`) or repository prefixes (`ghcr.io/acme`) whose
    /// images the user controls; digest pinning is not demanded of them.
    pub trusted_registries: Vec<String>,
}

impl Settings {
    /// Whether an image reference comes from a trusted registry or repository prefix.
    pub fn trusts_image(&self, reference: &str) -> bool {
        let reference = reference.trim();
        self.trusted_registries.iter().any(|prefix| {
            let prefix = prefix.trim_end_matches('/');
            reference
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
        })
    }
}

/// What rules may consult besides the document in hand.
pub struct Context<'a> {
    pub corpus: &'a Corpus,
    /// The architecture built from the same corpus.
    pub arch: &'a ArchitectureGraph,
    /// Kafka broker configurations, worked out once for the several broker rules that read
    /// them (see `rules::broker::util::kafka_configs`).
    pub(crate) kafka_configs: OnceLock<Vec<crate::rules::broker::util::KafkaConfig<'a>>>,
    /// RBAC bindings by the service accounts they name, for the per-workload RBAC rules.
    pub(crate) rbac_bindings: OnceLock<crate::rules::rbac::util::BindingsBySubject<'a>>,
    /// ConfigMap data keys, for controller settings asked per Ingress.
    pub(crate) config_map_keys: OnceLock<crate::rules::gateway::util::ConfigMapKeys<'a>>,
    /// Routes and authenticated routes per source directory, asked per backend.
    pub(crate) code_routes_by_dir: OnceLock<crate::rules::gateway::util::RoutesByDir<'a>>,
    /// Istio PeerAuthentications and AuthorizationPolicies by namespace, asked per workload.
    peer_authentications: OnceLock<PoliciesByNamespace<'a>>,
    authorization_policies: OnceLock<PoliciesByNamespace<'a>>,
    /// Paths of the Dockerfiles that Compose services build.
    pub(crate) compose_built_dockerfiles: OnceLock<std::collections::BTreeSet<String>>,
    pub settings: &'a Settings,
}

static NO_SETTINGS: Settings = Settings {
    trusted_registries: Vec::new(),
};

impl<'a> Context<'a> {
    pub fn new(corpus: &'a Corpus, arch: &'a ArchitectureGraph) -> Self {
        Context {
            corpus,
            arch,
            kafka_configs: OnceLock::new(),
            rbac_bindings: OnceLock::new(),
            config_map_keys: OnceLock::new(),
            code_routes_by_dir: OnceLock::new(),
            peer_authentications: OnceLock::new(),
            authorization_policies: OnceLock::new(),
            compose_built_dockerfiles: OnceLock::new(),
            settings: &NO_SETTINGS,
        }
    }

    /// The scan's PeerAuthentications, to resolve the one in force for a workload.
    pub fn peer_authentications(&self) -> &PoliciesByNamespace<'a> {
        self.peer_authentications.get_or_init(|| {
            PoliciesByNamespace::new(self.corpus.objects_of(&["PeerAuthentication"]))
        })
    }

    /// The scan's AuthorizationPolicies, to find those that apply to a workload.
    pub fn authorization_policies(&self) -> &PoliciesByNamespace<'a> {
        self.authorization_policies.get_or_init(|| {
            PoliciesByNamespace::new(self.corpus.objects_of(&["AuthorizationPolicy"]))
        })
    }
}

fn each_rule(rules: &[&dyn Rule], mut f: impl FnMut(&dyn Rule, &mut Sink)) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in rules {
        let mut sink = Sink::new(rule.meta());
        f(*rule, &mut sink);
        out.extend(sink.findings);
    }
    out
}

/// All findings of `rules` on `corpus`, in no particular order (the report sorts them).
pub fn run(corpus: &Corpus, arch: &ArchitectureGraph, rules: &[&dyn Rule]) -> Vec<Finding> {
    run_with(corpus, arch, rules, &NO_SETTINGS)
}

/// [`run`] with the user's settings.
pub fn run_with(
    corpus: &Corpus,
    arch: &ArchitectureGraph,
    rules: &[&dyn Rule],
    settings: &Settings,
) -> Vec<Finding> {
    let cx = Context {
        settings,
        ..Context::new(corpus, arch)
    };
    let cx = &cx;
    let objects = corpus.objects.par_iter().flat_map_iter(|object| {
        let workload = object.workload();
        each_rule(rules, |rule, sink| {
            rule.check_object(object, cx, sink);
            if let Some(w) = &workload {
                rule.check_workload(w, cx, sink);
            }
        })
    });
    let compose = corpus.compose.par_iter().flat_map_iter(|file| {
        each_rule(rules, |rule, sink| {
            for service in file.services() {
                rule.check_compose_service(file, &service, cx, sink);
            }
        })
    });
    let dockerfiles = corpus
        .dockerfiles
        .par_iter()
        .flat_map_iter(|df| each_rule(rules, |rule, sink| rule.check_dockerfile(df, cx, sink)));
    let properties = corpus
        .properties
        .par_iter()
        .flat_map_iter(|p| each_rule(rules, |rule, sink| rule.check_properties(p, cx, sink)));
    let whole = rules
        .par_iter()
        .flat_map_iter(|rule| each_rule(&[*rule], |rule, sink| rule.check_corpus(cx, sink)));
    objects
        .chain(compose)
        .chain(dockerfiles)
        .chain(properties)
        .chain(whole)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Settings;

    #[test]
    fn trusted_prefixes_end_at_a_path_separator() {
        let s = Settings {
            trusted_registries: vec!["registry.acme.example".into(), "ghcr.io/acme/".into()],
        };
        assert!(s.trusts_image("registry.acme.example/shop/api:1.0"));
        assert!(s.trusts_image("ghcr.io/acme/worker:2"));
        assert!(!s.trusts_image("registry.acme.example.evil.io/api:1.0"));
        assert!(!s.trusts_image("ghcr.io/acmecorp/worker:2"));
        assert!(!s.trusts_image("nginx:1.25"));
    }
}
