//! The specification's API-gateway example: an internal payment API published through its own
//! LoadBalancer is an Elevation of Privilege (CWE-284/CWE-306); the fixed version — ClusterIP
//! behind an Ingress with authentication and TLS — produces no such threat.

use std::path::{Path, PathBuf};
use stridemap_ingest::{ingest, Options};
use stridemap_model::Stride;
use stridemap_rules::{registry, run, Finding};

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: payment
spec:
  replicas: 2
  selector:
    matchLabels:
      app: payment
  template:
    metadata:
      labels:
        app: payment
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: payment
          image: registry.example.com/payment@sha256:4f1c3a9d0e5b7a2c6d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4
          ports:
            - containerPort: 8080
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 500m, memory: 256Mi }
"#;

const VULNERABLE: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: payment-api
spec:
  type: LoadBalancer  # VULNERABLE: Direct external exposure
  ports:
  - port: 80
  selector:
    app: payment
"#;

const FIXED: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: payment-api
spec:
  type: ClusterIP
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: payment
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: payment
  annotations:
    nginx.ingress.kubernetes.io/auth-url: https://auth.example.com/oauth2/auth
    nginx.ingress.kubernetes.io/auth-signin: https://auth.example.com/oauth2/start
    nginx.ingress.kubernetes.io/limit-rps: "20"
spec:
  ingressClassName: nginx
  tls:
  - hosts: [pay.example.com]
    secretName: pay-example-tls
  rules:
  - host: pay.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: payment-api
            port:
              number: 80
"#;

fn scan(name: &str, files: &[(&str, &str)]) -> Vec<Finding> {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "stridemap-spec-gateway-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let corpus = ingest(Path::new(&dir), &Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let findings = run(&corpus, &arch, registry());
    let _ = std::fs::remove_dir_all(&dir);
    findings
}

fn eop_with_spec_cwes(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| {
            f.rule.stride == Stride::ElevationOfPrivilege
                && f.rule.cwe.iter().any(|c| *c == 284 || *c == 306)
        })
        .collect()
}

#[test]
fn load_balancer_in_front_of_payment_api_is_elevation_of_privilege() {
    let findings = scan(
        "vulnerable",
        &[
            ("deployment.yaml", DEPLOYMENT),
            ("service.yaml", VULNERABLE),
        ],
    );
    let hits = eop_with_spec_cwes(&findings);
    assert!(
        !hits.is_empty(),
        "expected an Elevation of Privilege threat with CWE-284 or CWE-306; got {:?}",
        findings
            .iter()
            .map(|f| (f.rule.id, &f.description))
            .collect::<Vec<_>>()
    );
    assert!(hits
        .iter()
        .any(|f| f.resources.iter().any(|r| r == "Service/payment-api")));
    assert!(hits
        .iter()
        .any(|f| f.severity == stridemap_model::Severity::Critical));
}

#[test]
fn cluster_ip_behind_authenticated_ingress_is_not() {
    let findings = scan(
        "fixed",
        &[("deployment.yaml", DEPLOYMENT), ("service.yaml", FIXED)],
    );
    let hits = eop_with_spec_cwes(&findings);
    assert!(
        hits.is_empty(),
        "the fixed version still yields: {:?}",
        hits.iter()
            .map(|f| (f.rule.id, &f.description))
            .collect::<Vec<_>>()
    );
}
