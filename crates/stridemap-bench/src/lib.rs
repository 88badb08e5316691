//! Synthetic systems of N services, written to disk, for benchmarking the scanner.
//!
//! Each group of ten services lives in its own namespace and directory: Kubernetes manifests
//! (Deployments, Services, ConfigMaps, ServiceAccounts, RBAC, NetworkPolicies, Istio
//! PeerAuthentication and AuthorizationPolicy, an Ingress), a docker-compose file, a Dockerfile
//! per service and a small service source in Python, JavaScript, Go or Java that calls two or
//! three other services, a database, a cache or a Kafka topic. Misconfigurations are mixed in at
//! fixed rates so that every rule family has work to do. Output is a pure function of
//! `(services, seed)`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Services per group (namespace, compose file).
pub const GROUP_SIZE: usize = 10;

/// What was written.
#[derive(Debug, Default, Clone)]
pub struct Generated {
    pub services: usize,
    pub files: usize,
    pub bytes: u64,
    /// Injected misconfigurations by name, for a reader to compare against a report.
    pub injected: BTreeMap<&'static str, usize>,
}

/// A small deterministic generator (SplitMix64): no dependency, same stream on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Language {
    Python,
    JavaScript,
    Go,
    Java,
}

impl Language {
    const ALL: [Language; 4] = [
        Language::Python,
        Language::JavaScript,
        Language::Go,
        Language::Java,
    ];
}

/// One generated service and the choices made for it.
struct Service {
    name: String,
    namespace: String,
    language: Language,
    calls: Vec<String>,
    uses_db: bool,
    uses_cache: bool,
    produces: Option<String>,
    consumes: Option<String>,
}

/// The names of services in the system, `<noun>-<index>`.
fn service_name(index: usize) -> String {
    const NOUNS: [&str; 16] = [
        "orders",
        "payments",
        "catalog",
        "cart",
        "users",
        "auth",
        "shipping",
        "inventory",
        "search",
        "reviews",
        "pricing",
        "notifications",
        "billing",
        "ledger",
        "media",
        "recommend",
    ];
    format!("{}-{index:05}", NOUNS[index % NOUNS.len()])
}

fn group_namespace(group: usize) -> String {
    format!("group-{group:03}")
}

/// Writes a system of `services` services under `out` (created if missing).
pub fn generate(out: &Path, services: usize, seed: u64) -> io::Result<Generated> {
    let mut rng = Rng(seed);
    let mut stats = Generated {
        services,
        ..Default::default()
    };
    let all: Vec<Service> = (0..services)
        .map(|i| {
            let group = i / GROUP_SIZE;
            let calls = (0..1 + rng.below(3))
                .map(|_| {
                    // Mostly calls within the group, sometimes across namespaces.
                    let target = if rng.chance(80) {
                        group * GROUP_SIZE
                            + rng.below(GROUP_SIZE.min(services - group * GROUP_SIZE))
                    } else {
                        rng.below(services)
                    };
                    target
                })
                .filter(|&t| t != i)
                .map(|t| {
                    let ns = group_namespace(t / GROUP_SIZE);
                    if t / GROUP_SIZE == group {
                        service_name(t)
                    } else {
                        format!("{}.{ns}.svc.cluster.local", service_name(t))
                    }
                })
                .collect();
            Service {
                name: service_name(i),
                namespace: group_namespace(group),
                language: Language::ALL[rng.below(4)],
                calls,
                uses_db: rng.chance(40),
                uses_cache: rng.chance(25),
                produces: rng
                    .chance(20)
                    .then(|| format!("events-{:03}", rng.below(services / 20 + 1))),
                consumes: rng
                    .chance(20)
                    .then(|| format!("events-{:03}", rng.below(services / 20 + 1))),
            }
        })
        .collect();

    let stats_ref = &mut stats;
    for (group, members) in all.chunks(GROUP_SIZE).enumerate() {
        let namespace = group_namespace(group);
        let dir = out.join(&namespace);
        let text = compose(members, &mut rng, stats_ref);
        write(stats_ref, &dir.join("docker-compose.yml"), &text)?;
        let text = platform(&namespace, members, &mut rng, stats_ref);
        write(stats_ref, &dir.join("k8s/platform.yaml"), &text)?;
        for service in members {
            let base = dir.join(&service.name);
            let (deployment, service_yaml, config) = workload(service, &mut rng, stats_ref);
            if rng.chance(33) {
                let text = format!("{deployment}---\n{service_yaml}---\n{config}");
                write(stats_ref, &base.join("k8s/manifests.yaml"), &text)?;
            } else {
                write(stats_ref, &base.join("k8s/deployment.yaml"), &deployment)?;
                write(stats_ref, &base.join("k8s/service.yaml"), &service_yaml)?;
                write(stats_ref, &base.join("k8s/configmap.yaml"), &config)?;
            }
            let text = dockerfile(service, &mut rng, stats_ref);
            write(stats_ref, &base.join("Dockerfile"), &text)?;
            let (path, text) = source(service, &mut rng, stats_ref);
            write(stats_ref, &base.join(path), &text)?;
        }
    }
    Ok(stats)
}

fn write(stats: &mut Generated, path: &Path, text: &str) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)?;
    stats.files += 1;
    stats.bytes += text.len() as u64;
    Ok(())
}

fn inject(stats: &mut Generated, what: &'static str) {
    *stats.injected.entry(what).or_default() += 1;
}

/// Deployment, Service and ConfigMap of one service.
fn workload(s: &Service, rng: &mut Rng, stats: &mut Generated) -> (String, String, String) {
    let tag = if rng.chance(15) {
        inject(stats, "image :latest");
        "latest".to_string()
    } else {
        format!("1.{}.{}", rng.below(20), rng.below(10))
    };
    let mut env = String::new();
    for (i, target) in s.calls.iter().enumerate() {
        let scheme = if rng.chance(70) { "http" } else { "https" };
        let _ = write!(
            env,
            "            - name: UPSTREAM_{i}_URL\n              value: \"{scheme}://{target}:8080\"\n"
        );
    }
    if s.uses_db {
        if rng.chance(10) {
            inject(stats, "literal password in env");
            let _ = write!(
                env,
                "            - name: DB_PASSWORD\n              value: \"Pw{:08x}!x\"\n",
                rng.next() as u32
            );
        } else {
            env.push_str(
                "            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: db-credentials\n                  key: password\n",
            );
        }
        let _ = write!(env, "            - name: DATABASE_URL\n              value: \"postgres://postgres:5432/{}\"\n", s.name.replace('-', "_"));
    }
    if s.uses_cache {
        env.push_str("            - name: REDIS_ADDR\n              value: \"redis:6379\"\n");
    }
    if s.produces.is_some() || s.consumes.is_some() {
        env.push_str("            - name: KAFKA_BOOTSTRAP\n              value: \"kafka.group-000.svc.cluster.local:9092\"\n");
    }

    let mut pod_extra = String::new();
    let mut security = String::new();
    if rng.chance(2) {
        inject(stats, "hostNetwork");
        pod_extra.push_str("      hostNetwork: true\n");
    }
    if rng.chance(1) {
        inject(stats, "hostPID");
        pod_extra.push_str("      hostPID: true\n");
    }
    if rng.chance(50) {
        pod_extra.push_str("      automountServiceAccountToken: false\n");
    }
    if rng.chance(5) {
        inject(stats, "privileged");
        security.push_str("            privileged: true\n");
    } else if rng.chance(30) {
        inject(stats, "no securityContext");
    } else {
        security.push_str(
            "            runAsNonRoot: true\n            runAsUser: 10001\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities:\n              drop: [\"ALL\"]\n",
        );
        if rng.chance(5) {
            inject(stats, "added capability");
            security.push_str("              add: [\"SYS_ADMIN\"]\n");
        }
    }
    let security = if security.is_empty() {
        String::new()
    } else {
        format!("          securityContext:\n{security}")
    };
    let resources = if rng.chance(25) {
        inject(stats, "no resource limits");
        String::new()
    } else {
        "          resources:\n            requests:\n              cpu: 100m\n              memory: 128Mi\n            limits:\n              cpu: 500m\n              memory: 256Mi\n".to_string()
    };
    let probes = if rng.chance(20) {
        inject(stats, "no probes");
        String::new()
    } else {
        "          livenessProbe:\n            httpGet:\n              path: /healthz\n              port: 8080\n          readinessProbe:\n            httpGet:\n              path: /ready\n              port: 8080\n".to_string()
    };
    let (volumes, mounts) = if rng.chance(3) {
        inject(stats, "hostPath");
        (
            "      volumes:\n        - name: host\n          hostPath:\n            path: /var/run/docker.sock\n".to_string(),
            "          volumeMounts:\n            - name: host\n              mountPath: /var/run/docker.sock\n".to_string(),
        )
    } else {
        (String::new(), String::new())
    };
    let replicas = 1 + rng.below(3);
    let name = &s.name;
    let ns = &s.namespace;
    let deployment = format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      serviceAccountName: {name}
{pod_extra}      containers:
        - name: {name}
          image: registry.example.com/shop/{name}:{tag}
          ports:
            - containerPort: 8080
          envFrom:
            - configMapRef:
                name: {name}-config
          env:
{env}{security}{resources}{probes}{mounts}{volumes}"
    );
    let service_type = if rng.chance(5) {
        inject(stats, "LoadBalancer");
        "LoadBalancer"
    } else {
        "ClusterIP"
    };
    let service = format!(
        "apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
spec:
  type: {service_type}
  selector:
    app: {name}
  ports:
    - name: http
      port: 8080
      targetPort: 8080
"
    );
    let mut data = format!("  LOG_LEVEL: info\n  SERVICE_NAME: {name}\n");
    if rng.chance(8) {
        inject(stats, "secret in ConfigMap");
        let _ = writeln!(data, "  API_KEY: \"sk_live_{:016x}\"", rng.next());
    }
    let config = format!(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: {ns}
data:
{data}"
    );
    (deployment, service, config)
}

/// Namespace-wide objects: identities and RBAC, data stores, policies, mesh, the ingress.
fn platform(ns: &str, members: &[Service], rng: &mut Rng, stats: &mut Generated) -> String {
    let mut docs: Vec<String> = Vec::new();
    docs.push(format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    istio-injection: enabled\n"));
    for s in members {
        docs.push(format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {}\n  namespace: {ns}\n",
            s.name
        ));
    }
    // One reader of secrets per group; sometimes an over-broad binding.
    let reader = &members[0].name;
    let verbs = if rng.chance(20) {
        inject(stats, "wildcard RBAC");
        "[\"*\"]"
    } else {
        "[\"get\", \"list\"]"
    };
    docs.push(format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: config-reader
  namespace: {ns}
rules:
  - apiGroups: [\"\"]
    resources: [\"secrets\", \"configmaps\"]
    verbs: {verbs}
"
    ));
    docs.push(format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: config-reader
  namespace: {ns}
subjects:
  - kind: ServiceAccount
    name: {reader}
    namespace: {ns}
roleRef:
  kind: Role
  name: config-reader
  apiGroup: rbac.authorization.k8s.io
"
    ));
    if rng.chance(5) {
        inject(stats, "cluster-admin binding");
        docs.push(format!(
            "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {ns}-admin
subjects:
  - kind: ServiceAccount
    name: default
    namespace: {ns}
roleRef:
  kind: ClusterRole
  name: cluster-admin
  apiGroup: rbac.authorization.k8s.io
"
        ));
    }
    // The group's data stores.
    docs.push(format!(
        "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: postgres
  namespace: {ns}
spec:
  serviceName: postgres
  replicas: 1
  selector:
    matchLabels:
      app: postgres
  template:
    metadata:
      labels:
        app: postgres
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
          ports:
            - containerPort: 5432
          env:
            - name: POSTGRES_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db-credentials
                  key: password
"
    ));
    docs.push(format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: postgres\n  namespace: {ns}\nspec:\n  selector:\n    app: postgres\n  ports:\n    - port: 5432\n"
    ));
    docs.push(format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis
  namespace: {ns}
spec:
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
    spec:
      containers:
        - name: redis
          image: redis:7.2
          ports:
            - containerPort: 6379
"
    ));
    docs.push(format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: redis\n  namespace: {ns}\nspec:\n  selector:\n    app: redis\n  ports:\n    - port: 6379\n"
    ));
    if ns == group_namespace(0) {
        docs.push(format!(
            "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kafka
  namespace: {ns}
spec:
  serviceName: kafka
  selector:
    matchLabels:
      app: kafka
  template:
    metadata:
      labels:
        app: kafka
    spec:
      containers:
        - name: kafka
          image: bitnami/kafka:3.7
          ports:
            - containerPort: 9092
          env:
            - name: KAFKA_CFG_LISTENERS
              value: PLAINTEXT://:9092
"
        ));
        docs.push(format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: kafka\n  namespace: {ns}\nspec:\n  selector:\n    app: kafka\n  ports:\n    - port: 9092\n"
        ));
    }
    if rng.chance(50) {
        docs.push(format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: {ns}\nspec:\n  podSelector: {{}}\n  policyTypes: [\"Ingress\"]\n"
        ));
        for s in members {
            docs.push(format!(
                "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}-ingress
  namespace: {ns}
spec:
  podSelector:
    matchLabels:
      app: {name}
  ingress:
    - from:
        - podSelector: {{}}
      ports:
        - port: 8080
",
                name = s.name
            ));
        }
    } else {
        inject(stats, "namespace without NetworkPolicy");
    }
    let mode = if rng.chance(60) {
        "STRICT"
    } else {
        inject(stats, "mTLS PERMISSIVE");
        "PERMISSIVE"
    };
    docs.push(format!(
        "apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: {ns}\nspec:\n  mtls:\n    mode: {mode}\n"
    ));
    if rng.chance(50) {
        docs.push(format!(
            "apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata:
  name: {name}
  namespace: {ns}
spec:
  selector:
    matchLabels:
      app: {name}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: [\"cluster.local/ns/{ns}/sa/{caller}\"]
",
            name = members[members.len() - 1].name,
            caller = members[0].name,
        ));
    }
    let front = &members[0].name;
    let tls = if rng.chance(70) {
        format!("  tls:\n    - hosts: [\"{ns}.example.com\"]\n      secretName: {ns}-tls\n")
    } else {
        inject(stats, "Ingress without TLS");
        String::new()
    };
    docs.push(format!(
        "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {ns}
  namespace: {ns}
spec:
  ingressClassName: nginx
{tls}  rules:
    - host: {ns}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {front}
                port:
                  number: 8080
"
    ));
    docs.join("---\n")
}

/// The group's docker-compose file, for local development.
fn compose(members: &[Service], rng: &mut Rng, stats: &mut Generated) -> String {
    let mut out = String::from("services:\n");
    for (i, s) in members.iter().enumerate() {
        let _ = write!(
            out,
            "  {name}:\n    build: ./{name}\n    environment:\n      - LOG_LEVEL=debug\n",
            name = s.name
        );
        for (j, target) in s.calls.iter().enumerate() {
            let host = target.split('.').next().unwrap_or(target);
            let _ = writeln!(out, "      - UPSTREAM_{j}_URL=http://{host}:8080");
        }
        if i == 0 {
            out.push_str("    ports:\n      - \"8080:8080\"\n");
        }
        if rng.chance(3) {
            inject(stats, "compose privileged");
            out.push_str("    privileged: true\n");
        }
    }
    let password = if rng.chance(30) {
        inject(stats, "compose literal password");
        format!("Db{:08x}#pw", rng.next() as u32)
    } else {
        "${POSTGRES_PASSWORD}".to_string()
    };
    let _ = write!(
        out,
        "  postgres:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: \"{password}\"\n    ports:\n      - \"5432:5432\"\n  redis:\n    image: redis:7.2\n"
    );
    out
}

fn dockerfile(s: &Service, rng: &mut Rng, stats: &mut Generated) -> String {
    let user = if rng.chance(35) {
        inject(stats, "Dockerfile without USER");
        ""
    } else {
        "USER 10001\n"
    };
    let add = if rng.chance(10) {
        inject(stats, "Dockerfile ADD from URL");
        "ADD https://example.com/tools/healthcheck /usr/local/bin/healthcheck\n"
    } else {
        ""
    };
    let healthcheck = if rng.chance(50) {
        "HEALTHCHECK CMD wget -qO- http://localhost:8080/healthz || exit 1\n"
    } else {
        ""
    };
    match s.language {
        Language::Python => format!(
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n{add}{healthcheck}{user}EXPOSE 8080\nCMD [\"python\", \"app.py\"]\n"
        ),
        Language::JavaScript => format!(
            "FROM node:20-alpine\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\n{add}{healthcheck}{user}EXPOSE 8080\nCMD [\"node\", \"server.js\"]\n"
        ),
        Language::Go => format!(
            "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\n\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /out/app /app\n{add}{healthcheck}{user}EXPOSE 8080\nENTRYPOINT [\"/app\"]\n"
        ),
        Language::Java => format!(
            "FROM maven:3.9-eclipse-temurin-21 AS build\nWORKDIR /src\nCOPY . .\nRUN mvn -q package -DskipTests\n\nFROM eclipse-temurin:21-jre\nCOPY --from=build /src/target/app.jar /app.jar\n{add}{healthcheck}{user}EXPOSE 8080\nENTRYPOINT [\"java\", \"-jar\", \"/app.jar\"]\n"
        ),
    }
}

/// A small service in its language: routes, calls to the services it depends on, its stores.
fn source(s: &Service, rng: &mut Rng, stats: &mut Generated) -> (String, String) {
    let no_timeout = rng.chance(40);
    if no_timeout {
        inject(stats, "outbound call without timeout");
    }
    let verify_off = rng.chance(5);
    if verify_off {
        inject(stats, "TLS verification disabled");
    }
    let deserialize = s.consumes.is_some() && rng.chance(30);
    if deserialize {
        inject(stats, "unsafe deserialization of messages");
    }
    match s.language {
        Language::Python => {
            let mut body = String::from(
                "import os\nimport pickle\n\nimport requests\nfrom flask import Flask, jsonify, request\n\napp = Flask(__name__)\n\n",
            );
            for (i, _) in s.calls.iter().enumerate() {
                let _ = writeln!(body, "UPSTREAM_{i} = os.environ[\"UPSTREAM_{i}_URL\"]");
            }
            let _ = write!(body, "\n\n@app.route(\"/api/{}\", methods=[\"POST\"])\ndef handle():\n    payload = request.get_json()\n", s.name);
            for (i, _) in s.calls.iter().enumerate() {
                let timeout = if no_timeout { "" } else { ", timeout=2" };
                let verify = if verify_off { ", verify=False" } else { "" };
                let _ = writeln!(body, "    requests.post(UPSTREAM_{i} + \"/v1/items\", json=payload{timeout}{verify})");
            }
            body.push_str("    return jsonify({\"ok\": True})\n");
            if s.uses_db {
                body.push_str("\n\ndef connect():\n    import psycopg2\n    return psycopg2.connect(os.environ[\"DATABASE_URL\"])\n");
            }
            if let Some(topic) = &s.consumes {
                let _ = write!(body, "\n\ndef consume():\n    from kafka import KafkaConsumer\n    consumer = KafkaConsumer(\"{topic}\", bootstrap_servers=os.environ[\"KAFKA_BOOTSTRAP\"])\n    for message in consumer:\n");
                if deserialize {
                    body.push_str("        event = pickle.loads(message.value)\n");
                } else {
                    body.push_str("        event = message.value.decode()\n");
                }
                body.push_str("        print(len(event))\n");
            }
            if let Some(topic) = &s.produces {
                let _ = write!(body, "\n\ndef announce(event):\n    from kafka import KafkaProducer\n    producer = KafkaProducer(bootstrap_servers=os.environ[\"KAFKA_BOOTSTRAP\"])\n    producer.send(\"{topic}\", event)\n");
            }
            body.push_str(
                "\n\nif __name__ == \"__main__\":\n    app.run(host=\"0.0.0.0\", port=8080)\n",
            );
            ("app.py".into(), body)
        }
        Language::JavaScript => {
            let mut body = String::from("const express = require(\"express\");\nconst axios = require(\"axios\");\n\nconst app = express();\napp.use(express.json());\n\n");
            let _ = write!(
                body,
                "app.post(\"/api/{}\", async (req, res) => {{\n",
                s.name
            );
            for (i, _) in s.calls.iter().enumerate() {
                let options = if no_timeout {
                    ""
                } else {
                    ", { timeout: 2000 }"
                };
                let _ = writeln!(body, "  await axios.post(process.env.UPSTREAM_{i}_URL + \"/v1/items\", req.body{options});");
            }
            body.push_str("  res.json({ ok: true });\n});\n");
            if s.uses_cache {
                body.push_str("\nconst redis = require(\"redis\");\nconst cache = redis.createClient({ url: \"redis://\" + process.env.REDIS_ADDR });\n");
            }
            if let Some(topic) = &s.consumes {
                let _ = write!(body, "\nconst {{ Kafka }} = require(\"kafkajs\");\nconst consumer = new Kafka({{ brokers: [process.env.KAFKA_BOOTSTRAP] }}).consumer({{ groupId: \"{}\" }});\nconsumer.subscribe({{ topic: \"{topic}\" }});\nconsumer.run({{ eachMessage: async ({{ message }}) => {{\n", s.name);
                if deserialize {
                    body.push_str(
                        "  const event = eval(\"(\" + message.value.toString() + \")\");\n",
                    );
                } else {
                    body.push_str("  const event = JSON.parse(message.value.toString());\n");
                }
                body.push_str("  console.log(Object.keys(event).length);\n} });\n");
            }
            body.push_str("\napp.listen(8080);\n");
            ("server.js".into(), body)
        }
        Language::Go => {
            let mut body = String::from("package main\n\nimport (\n\t\"bytes\"\n\t\"net/http\"\n\t\"os\"\n\t\"time\"\n)\n\n");
            let client = if no_timeout {
                "var client = &http.Client{}\n"
            } else {
                "var client = &http.Client{Timeout: 2 * time.Second}\n"
            };
            body.push_str(client);
            body.push_str(
                "\nvar _ = time.Second\n\nfunc handle(w http.ResponseWriter, r *http.Request) {\n",
            );
            for (i, _) in s.calls.iter().enumerate() {
                let _ = writeln!(body, "\tclient.Post(os.Getenv(\"UPSTREAM_{i}_URL\")+\"/v1/items\", \"application/json\", bytes.NewReader(nil))");
            }
            let _ = write!(body, "\tw.WriteHeader(http.StatusAccepted)\n}}\n\nfunc main() {{\n\thttp.HandleFunc(\"/api/{}\", handle)\n\thttp.ListenAndServe(\":8080\", nil)\n}}\n", s.name);
            ("main.go".into(), body)
        }
        Language::Java => {
            let class = s
                .name
                .split('-')
                .next()
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            let mut body = format!(
                "package com.example.{pkg};\n\nimport org.springframework.web.bind.annotation.*;\nimport org.springframework.web.client.RestTemplate;\n\n@RestController\npublic class {class}Controller {{\n    private final RestTemplate rest = new RestTemplate();\n\n    @PostMapping(\"/api/{name}\")\n    public String handle(@RequestBody String body) {{\n",
                pkg = s.name.replace('-', "_"),
                name = s.name,
            );
            for (i, _) in s.calls.iter().enumerate() {
                let _ = writeln!(body, "        rest.postForObject(System.getenv(\"UPSTREAM_{i}_URL\") + \"/v1/items\", body, String.class);");
            }
            body.push_str("        return \"ok\";\n    }\n}\n");
            (
                format!(
                    "src/main/java/com/example/{}/{class}Controller.java",
                    s.name.replace('-', "_")
                ),
                body,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_a_function_of_size_and_seed() {
        let a = tempfile_dir();
        let b = tempfile_dir();
        let ga = generate(&a, 25, 7).unwrap();
        let gb = generate(&b, 25, 7).unwrap();
        assert_eq!(ga.files, gb.files);
        assert_eq!(ga.injected, gb.injected);
        let read = |root: &Path| {
            let mut files = Vec::new();
            collect(root, root, &mut files);
            files.sort();
            files
        };
        assert_eq!(read(&a), read(&b));
        // Every service has at least a manifest, a Dockerfile and a source file.
        assert!(ga.files >= 25 * 3, "{} files", ga.files);
        let _ = std::fs::remove_dir_all(a);
        let _ = std::fs::remove_dir_all(b);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "stridemap-bench-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
}
