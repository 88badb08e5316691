use super::packages::{lang_install, report_unpinned};
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::Dockerfile;

declare_rule! {
    /// ## What it does
    /// Flags `RUN` steps that install language packages by name without a version: `pip
    /// install flask`, `npm install -g serve` (or `@latest`), `yarn add`, `pnpm add`, `gem
    /// install rails`. Pins are `==`/`~=`/upper bounds for pip, a version or range for npm,
    /// `name:version` or `-v` for gem. Installs from lock files and requirement files
    /// (`npm ci`, `pip install -r`), local paths, URLs and git sources are not reported.
    ///
    /// ## Why is this bad?
    /// Public registries accept new versions from any maintainer account at any time. An
    /// unpinned install pulls the newest one into every build, which is how hijacked packages
    /// (a stolen npm token, a typo-squat promoted by a dependency) reach production images
    /// within hours of being published.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install gunicorn && npm install -g serve
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// COPY requirements.txt package-lock.json ./
    /// RUN pip install --require-hashes -r requirements.txt && npm ci
    /// ```
    /// Install from a lock file with hashes, or at least pin exact versions on the command line.
    pub struct LangPackageUnpinned {
        id: "DKR-LANG-PACKAGE-UNPINNED",
        title: "Language packages installed without pinned versions",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Low,
        cwe: [1357, 829],
        infra: [Docker],
        equivalents: [
            "kics:02d9c71f-3ee8-4986-9c27-1a20d0d19bfc",
            "kics:e36d8880-3f78-4546-b9a1-12f0745ca0d5",
            "kics:22cd11f7-9c6c-4f6e-84c0-02058120b341",
        ],
        attack_scenario: "An attacker phishes the maintainer of a popular npm CLI the Dockerfile installs with `npm install -g` and publishes a version with a credential-stealing install script; the next image build runs it and ships it.",
        mitigation: "Install from lock files (`npm ci`, `pip install --require-hashes -r requirements.txt`, `bundle install` with Gemfile.lock) or pin exact versions.",
    }
}

impl Check for LangPackageUnpinned {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        report_unpinned(df, cx, out, lang_install);
    }
}
