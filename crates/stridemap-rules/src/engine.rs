//! Runs every rule over every document, in parallel, each document visited once.

use crate::{Finding, Rule, Sink};
use rayon::prelude::*;
use std::sync::OnceLock;
use stridemap_model::architecture::ArchitectureGraph;
use stridemap_model::Corpus;

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
}

impl<'a> Context<'a> {
    pub fn new(corpus: &'a Corpus, arch: &'a ArchitectureGraph) -> Self {
        Context {
            corpus,
            arch,
            kafka_configs: OnceLock::new(),
            rbac_bindings: OnceLock::new(),
            config_map_keys: OnceLock::new(),
        }
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
    let cx = Context::new(corpus, arch);
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
