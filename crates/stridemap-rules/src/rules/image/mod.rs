//! Container images: how deployed and base images are referenced and pinned.

pub mod latest_tag;
pub mod no_digest;
pub(crate) mod util;

pub static RULES: &[&dyn crate::Rule] =
    &[&latest_tag::LatestImageTag, &no_digest::ImageWithoutDigest];
