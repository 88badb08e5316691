//! Service mesh: mTLS modes, authorization policies, sidecar opt-outs, Consul intentions and
//! the observability stack around the mesh.

pub mod util;

pub mod consul_intention_wildcard;
pub mod mtls_not_strict;
pub mod no_authorization_policy;
pub mod observability_exposed;
pub mod permissive_authz_policy;
pub mod sidecar_disabled;
pub mod tracing_captures_credentials;

pub static RULES: &[&dyn crate::Rule] = &[
    &mtls_not_strict::MtlsNotStrict,
    &no_authorization_policy::NoAuthorizationPolicy,
    &permissive_authz_policy::PermissiveAuthorizationPolicy,
    &sidecar_disabled::SidecarDisabled,
    &consul_intention_wildcard::ConsulIntentionWildcard,
    &observability_exposed::ObservabilityExposed,
    &tracing_captures_credentials::TracingCapturesCredentials,
];
