//! The specification's service-to-service and service-mesh examples: each vulnerable snippet
//! produces its threat with the spec's STRIDE category and a matching CWE, and the fixed version
//! produces no threat of that category sharing one of those CWEs (all rules run).

use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;

/// Tests run in parallel: every scan gets its own directory.
static NEXT: AtomicUsize = AtomicUsize::new(0);
use stridemap_ingest::{ingest, Options};
use stridemap_model::{Severity, Stride};
use stridemap_rules::{registry, run, Finding};

fn scan(name: &str, files: &[(&str, &str)]) -> Vec<Finding> {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "stridemap-spec-s2s-{}-{name}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let corpus = ingest(&dir, &Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let findings = run(&corpus, &arch, registry());
    let _ = std::fs::remove_dir_all(&dir);
    findings
}

fn matching<'a>(findings: &'a [Finding], stride: Stride, cwes: &[u32]) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.rule.stride == stride && f.rule.cwe.iter().any(|c| cwes.contains(c)))
        .collect()
}

fn describe(findings: &[&Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| format!("{} {}", f.rule.id, f.description))
        .collect()
}

/// The vulnerable version yields `rule` with the category and a CWE; the fixed one yields no
/// threat of that category sharing a CWE.
fn check(
    vulnerable: &[Finding],
    fixed: &[Finding],
    rule: &str,
    stride: Stride,
    cwes: &[u32],
) -> Finding {
    let hits = matching(vulnerable, stride, cwes);
    let hit = hits
        .iter()
        .find(|f| f.rule.id == rule)
        .unwrap_or_else(|| panic!("{rule} missing; got {:?}", describe(&hits)));
    let leftovers = matching(fixed, stride, hit.rule.cwe);
    assert!(
        leftovers.is_empty(),
        "fixed version still has: {:?}",
        describe(&leftovers)
    );
    (*hit).clone()
}

const PAYMENT_APP: &str = r#"import requests

def process_payment(order_id):
    # VULNERABLE: HTTP to internal service, no auth
    order = requests.get(f'http://order-service:8080/orders/{order_id}').json()
    # Process payment...
"#;

fn services(namespace_labels: &str) -> String {
    let mut out = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: production\n  labels: {{{namespace_labels}}}\n"
    );
    for name in ["payment-service", "order-service"] {
        out.push_str(&format!(
            r#"---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: production}}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      serviceAccountName: {name}
      containers:
        - name: app
          image: registry.example.com/{name}:1.0.0
          ports: [{{containerPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: production}}
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 8080}}]
"#
        ));
    }
    out
}

const STRICT_MESH: &str = r#"apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: STRICT
"#;

#[test]
fn example_1_http_between_internal_services() {
    let vulnerable = scan(
        "ex1-bad",
        &[
            ("payment-service/app.py", PAYMENT_APP),
            ("k8s/services.yaml", &services("team: payments")),
        ],
    );
    let fixed = scan(
        "ex1-good",
        &[
            ("payment-service/app.py", PAYMENT_APP),
            ("k8s/services.yaml", &services("istio-injection: enabled")),
            ("k8s/mtls.yaml", STRICT_MESH),
        ],
    );
    let hit = check(
        &vulnerable,
        &fixed,
        "S2S-PLAINTEXT-FLOW",
        Stride::Tampering,
        &[319, 300],
    );
    assert_eq!(
        hit.severity,
        Severity::Critical,
        "payments and orders are sensitive"
    );
    for c in ["payment-service", "order-service", "internal network"] {
        assert!(
            hit.components.contains(&c.to_string()),
            "{:?}",
            hit.components
        );
    }
}

#[test]
fn example_2_admin_endpoint_without_identity() {
    let vulnerable = r#"from flask import Flask, jsonify

app = Flask(__name__)

# Internal API trusts any caller
@app.route('/internal/admin/delete-user/<user_id>', methods=['DELETE'])
def delete_user(user_id):
    # VULNERABLE: No authentication for internal endpoint
    User.query.filter_by(id=user_id).delete()
    return jsonify({'status': 'deleted'})
"#;
    let fixed = r#"from flask import Flask, jsonify

from auth import requires_auth

app = Flask(__name__)

@app.route('/internal/admin/delete-user/<user_id>', methods=['DELETE'])
@requires_auth(audience="user-admin")
def delete_user(user_id):
    User.query.filter_by(id=user_id).delete()
    return jsonify({'status': 'deleted'})
"#;
    let vulnerable = scan("ex2-bad", &[("users/app.py", vulnerable)]);
    let fixed = scan("ex2-good", &[("users/app.py", fixed)]);
    check(
        &vulnerable,
        &fixed,
        "S2S-UNAUTHENTICATED-INTERNAL-ENDPOINT",
        Stride::Spoofing,
        &[306],
    );
}

#[test]
fn example_10_permissive_mtls() {
    let policy = |mode: &str| {
        format!(
            "apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: production\nspec:\n  mtls:\n    mode: {mode}\n"
        )
    };
    let vulnerable = scan("ex10-bad", &[("mesh/peer.yaml", &policy("PERMISSIVE"))]);
    let fixed = scan("ex10-good", &[("mesh/peer.yaml", &policy("STRICT"))]);
    let hit = check(
        &vulnerable,
        &fixed,
        "MESH-MTLS-NOT-STRICT",
        Stride::InformationDisclosure,
        &[319],
    );
    assert_eq!(hit.severity, Severity::High);
    assert!(hit.components.contains(&"production namespace".to_string()));
}

#[test]
fn example_11_missing_authorization_policy() {
    let policy = r#"apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata:
  name: payment-policy
  namespace: production
spec:
  selector:
    matchLabels:
      app: payment
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/production/sa/order-service"]
    to:
    - operation:
        methods: ["POST"]
        paths: ["/api/payments"]
"#;
    let workloads = r#"apiVersion: v1
kind: Namespace
metadata: {name: production, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payment, namespace: production}
spec:
  selector:
    matchLabels: {app: payment}
  template:
    metadata:
      labels: {app: payment}
    spec:
      serviceAccountName: payment
      containers:
        - name: payment
          image: registry.example.com/payment:2.0.0
---
apiVersion: v1
kind: Service
metadata: {name: payment, namespace: production}
spec:
  selector: {app: payment}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: order-service, namespace: production}
spec:
  selector:
    matchLabels: {app: order-service}
  template:
    metadata:
      labels: {app: order-service}
    spec:
      serviceAccountName: order-service
      containers:
        - name: orders
          image: registry.example.com/order-service:2.0.0
          env:
            - {name: PAYMENT_URL, value: "http://payment:8080/api/payments"}
"#;
    let vulnerable = scan("ex11-bad", &[("k8s/workloads.yaml", workloads)]);
    let fixed = scan(
        "ex11-good",
        &[
            ("k8s/workloads.yaml", workloads),
            ("k8s/authz.yaml", policy),
        ],
    );
    check(
        &vulnerable,
        &fixed,
        "MESH-NO-AUTHORIZATION-POLICY",
        Stride::ElevationOfPrivilege,
        &[862, 285],
    );
}
