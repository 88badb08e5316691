use super::packages::{os_install, report_unpinned};
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::Dockerfile;

declare_rule! {
    /// ## What it does
    /// Flags `RUN` steps that install operating-system packages without a version:
    /// `apt-get`/`apt install`, `apk add`, `yum`/`dnf`/`microdnf`/`tdnf install` and
    /// `zypper install`. A package counts as pinned with `name=version` (apt, apk, zypper),
    /// `name~version`, `name<…`/`>…` (apk), or an RPM-style `name-1.2.3` (yum family, zypper).
    /// Local files, URLs and names built from variables are left alone. One finding per
    /// install command, listing the unpinned packages.
    ///
    /// ## Why is this bad?
    /// Each build installs whatever the mirror serves that day. Two builds of one commit can
    /// ship different code, a review of the Dockerfile says nothing about what is inside the
    /// image, and a compromised or malicious package version flows in without any change
    /// being visible in the repository.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN apt-get update \
    ///  && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 ca-certificates=20230311 \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    /// Pin versions (and let an update bot raise them), or build from a base image digest that
    /// already contains what you need.
    pub struct OsPackageUnpinned {
        id: "DKR-OS-PACKAGE-UNPINNED",
        title: "OS packages installed without pinned versions",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Low,
        cwe: [1357, 829],
        infra: [Docker],
        equivalents: [
            "kics:965a08d7-ef86-4f14-8792-4a3b2098937e",
            "kics:d3499f6d-1651-41bb-a9a7-de925fea487b",
            "kics:93d88cf7-f078-46a8-8ddc-178e03aeacf1",
            "kics:6452c424-1d92-4deb-bb18-a03e95d579c4",
            "kics:562952e4-0348-4dea-9826-44f3a2c6117b",
        ],
        attack_scenario: "A compromised mirror serves a trojaned newer build of a utility the Dockerfile installs by name; the next image build picks it up, and nothing in the repository diff shows that the image changed.",
        mitigation: "Pin each package to a version (`name=1.2.3`), rebuild deliberately when raising them, and scan the resulting image.",
    }
}

impl Check for OsPackageUnpinned {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        report_unpinned(df, cx, out, os_install);
    }
}
