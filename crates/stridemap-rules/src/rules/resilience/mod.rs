//! Resilience: what keeps one failure, one drain or one flood from becoming an outage —
//! replicas, disruption budgets, autoscalers, probes and health checks, spreading, namespace
//! quotas, and timeouts, retries and circuit breakers in the mesh. Also the hygiene checks
//! that sit next to them (broken environment references, native-only Secrets, git-sync
//! executing configurable binaries).

mod namespace_guard;
mod probes;
mod traffic;
pub mod util;

pub mod env_ref_missing;
pub mod git_sync_exec;
pub mod hpa_misconfigured;
pub mod mesh_no_timeout;
pub mod no_anti_affinity;
pub mod no_circuit_breaker;
pub mod no_external_secret_store;
pub mod no_healthcheck;
pub mod no_limit_range;
pub mod no_liveness_probe;
pub mod no_pdb;
pub mod no_readiness_probe;
pub mod no_resource_quota;
pub mod pdb_misconfigured;
pub mod single_replica;

pub static RULES: &[&dyn crate::Rule] = &[
    &single_replica::SingleReplica,
    &no_pdb::NoPodDisruptionBudget,
    &pdb_misconfigured::PdbMisconfigured,
    &hpa_misconfigured::HpaMisconfigured,
    &no_anti_affinity::NoAntiAffinity,
    &no_liveness_probe::NoLivenessProbe,
    &no_readiness_probe::NoReadinessProbe,
    &no_healthcheck::NoHealthcheck,
    &no_limit_range::NoLimitRange,
    &no_resource_quota::NoResourceQuota,
    &mesh_no_timeout::MeshNoTimeout,
    &no_circuit_breaker::NoCircuitBreaker,
    &env_ref_missing::EnvRefMissing,
    &no_external_secret_store::NoExternalSecretStore,
    &git_sync_exec::GitSyncExec,
];
