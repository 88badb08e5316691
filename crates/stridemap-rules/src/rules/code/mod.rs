//! Code-level indicators: unsafe deserialization of messages and requests, outbound calls
//! without timeouts on request paths, retry storms, secrets written to logs, credentials in
//! source, and message consumers that trust their payloads.

pub mod util;

pub mod consumer_no_validation;
pub mod hardcoded_secret;
pub mod no_timeout;
pub mod secret_in_log;
pub mod unbounded_retry;
pub mod unsafe_deserialization;

pub static RULES: &[&dyn crate::Rule] = &[
    &unsafe_deserialization::UnsafeDeserialization,
    &consumer_no_validation::ConsumerNoValidation,
    &no_timeout::NoTimeout,
    &unbounded_retry::UnboundedRetry,
    &secret_in_log::SecretInLog,
    &hardcoded_secret::HardcodedSecret,
];
