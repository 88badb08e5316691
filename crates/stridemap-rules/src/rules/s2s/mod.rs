//! Service-to-service communication: cleartext flows, disabled certificate checks, internal
//! endpoints without authentication, internal components routed from the internet.

pub mod util;

pub mod internal_service_exposed;
pub mod plaintext_flow;
pub mod tls_verify_disabled;
pub mod unauthenticated_internal_endpoint;

pub static RULES: &[&dyn crate::Rule] = &[
    &plaintext_flow::PlaintextFlow,
    &tls_verify_disabled::TlsVerifyDisabled,
    &unauthenticated_internal_endpoint::UnauthenticatedInternalEndpoint,
    &internal_service_exposed::InternalServiceExposed,
];
