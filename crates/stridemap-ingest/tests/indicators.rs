//! Security indicators extracted from source code: deserialization sinks and where their input
//! comes from, request and message handlers, retry loops, secrets in logs, literal credentials.

use stridemap_ingest::code::extract;
use stridemap_model::code::{CodeFacts, DataSource, Expr, HandlerKind, NameKind};
use stridemap_model::corpus::{FileKind, Language};
use stridemap_model::{FileId, SourceFile};

fn facts(path: &str, src: &str) -> CodeFacts {
    let language = match path.rsplit('.').next() {
        Some("py") => Language::Python,
        Some("js") => Language::JavaScript,
        Some("ts") => Language::TypeScript,
        Some("go") => Language::Go,
        _ => Language::Java,
    };
    let file = SourceFile::new(path.into(), FileKind::Source(language), src.into());
    extract(FileId(0), language, &file)
}

fn sources(f: &CodeFacts) -> Vec<(String, DataSource)> {
    f.deserializations
        .iter()
        .map(|d| (d.call.clone(), d.source))
        .collect()
}

// ----- deserialization -------------------------------------------------------------------------

#[test]
fn python_message_reaches_pickle_through_a_helper() {
    let f = facts(
        "worker.py",
        r#"
import pickle
from kafka import KafkaConsumer

def decode_task(raw):
    return pickle.loads(raw)

def consume_refunds():
    consumer = KafkaConsumer(bootstrap_servers="kafka:9092")
    consumer.subscribe(["refunds"])
    for message in consumer:
        decode_task(message.value).execute()
"#,
    );
    let d = &f.deserializations[0];
    assert_eq!(d.source, DataSource::Message);
    assert!(!d.inferred);
    assert_eq!(d.topic, Some(Expr::literal("refunds")));
    assert_eq!(d.technology.as_deref(), Some("kafka"));
    assert_eq!(d.path, ["consume_refunds", "decode_task", "pickle.loads"]);
}

#[test]
fn python_spec_example_is_recognised_by_names() {
    let f = facts(
        "consumer.py",
        "import pickle\n\ndef process_message(message):\n    task = pickle.loads(message.value)\n",
    );
    let d = &f.deserializations[0];
    assert_eq!(d.source, DataSource::Message);
    assert!(d.inferred);
    assert_eq!(d.path, ["process_message", "pickle.loads"]);
}

#[test]
fn python_local_files_and_safe_loaders() {
    let f = facts(
        "app.py",
        r#"
import pickle, yaml
from flask import Flask, request
app = Flask(__name__)
model = pickle.load(open("model.pkl", "rb"))
with open("rules.bin", "rb") as fh:
    rules = pickle.load(fh)

@app.post("/import")
def import_rules():
    a = yaml.safe_load(request.data)
    b = yaml.load(request.data, Loader=yaml.SafeLoader)
    c = yaml.load(request.get_data())
    return "ok"
"#,
    );
    assert_eq!(
        sources(&f),
        [
            ("pickle.load".to_string(), DataSource::File),
            ("pickle.load".to_string(), DataSource::File),
            ("yaml.load".to_string(), DataSource::Request),
        ]
    );
}

#[test]
fn javascript_kafkajs_each_message_and_express_body() {
    let f = facts(
        "worker.js",
        r#"
const { Kafka } = require('kafkajs');
const serialize = require('node-serialize');
const express = require('express');
const kafka = new Kafka({ brokers: ['kafka:9092'] });
const consumer = kafka.consumer({ groupId: 'g' });
const app = express();
function decode(raw) { return serialize.unserialize(raw); }
async function start() {
  await consumer.subscribe({ topic: 'invoices' });
  await consumer.run({ eachMessage: async ({ message }) => { decode(message.value.toString()); } });
}
app.post('/run', (req, res) => { eval(req.body.code); });
const fixed = eval('1 + 1');
"#,
    );
    assert_eq!(
        sources(&f),
        [
            ("serialize.unserialize".to_string(), DataSource::Message),
            ("eval".to_string(), DataSource::Request),
        ]
    );
    assert_eq!(
        f.deserializations[0].path,
        ["eachMessage", "decode", "serialize.unserialize"]
    );
}

#[test]
fn typescript_nest_event_pattern_payload() {
    let f = facts(
        "jobs.ts",
        r#"
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import * as vm from 'vm';
@Controller()
export class JobsController {
  @EventPattern('jobs.scripts')
  run(@Payload() data: string) {
    return vm.runInNewContext(data, {});
  }
}
"#,
    );
    let d = &f.deserializations[0];
    assert_eq!(d.source, DataSource::Message);
    assert_eq!(d.topic, Some(Expr::literal("jobs.scripts")));
}

#[test]
fn go_nats_callback_and_http_body_reach_yaegi() {
    let f = facts(
        "main.go",
        r#"package main

import (
	"io"
	"net/http"
	"github.com/nats-io/nats.go"
	"github.com/traefik/yaegi/interp"
)

func run(src string) { i := interp.New(interp.Options{}); i.Eval(src) }

func handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	i := interp.New(interp.Options{})
	i.Eval(string(body))
}

func main() {
	nc, _ := nats.Connect("nats://nats:4222")
	nc.Subscribe("scripts", func(m *nats.Msg) { run(string(m.Data)) })
	http.HandleFunc("/run", handle)
}
"#,
    );
    assert_eq!(
        sources(&f),
        [
            ("i.Eval".to_string(), DataSource::Message),
            ("i.Eval".to_string(), DataSource::Request),
        ]
    );
}

#[test]
fn java_listener_and_request_body() {
    let f = facts(
        "Listener.java",
        r#"
import java.io.*;
public class Listener {
    @KafkaListener(topics = "refunds")
    public void on(ConsumerRecord<String, byte[]> record) throws Exception {
        decode(record.value());
    }
    private Object decode(byte[] raw) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(raw))) {
            return in.readObject();
        }
    }
    @PostMapping("/import")
    public void load(@RequestBody String xml) {
        new XStream().fromXML(xml);
    }
    Object cache() throws Exception {
        return new ObjectInputStream(new FileInputStream("/var/cache/x.bin")).readObject();
    }
}
"#,
    );
    let got = sources(&f);
    assert!(got.contains(&("in.readObject".to_string(), DataSource::Message)));
    assert!(got.contains(&("new XStream().fromXML".to_string(), DataSource::Request)));
    assert!(got
        .iter()
        .any(|(c, s)| c.ends_with("readObject") && *s == DataSource::File));
    let m = f
        .deserializations
        .iter()
        .find(|d| d.source == DataSource::Message)
        .unwrap();
    assert_eq!(m.topic, Some(Expr::literal("refunds")));
}

// ----- handlers ----------------------------------------------------------------------------------

#[test]
fn handlers_record_validation_and_dedup() {
    let f = facts(
        "consumer.py",
        r#"
import json, jsonschema
from kafka import KafkaConsumer

def run():
    consumer = KafkaConsumer("orders", bootstrap_servers="kafka:9092")
    for message in consumer:
        event = json.loads(message.value)
        if already_processed(event["id"]):
            continue

def audit():
    consumer = KafkaConsumer("audit", bootstrap_servers="kafka:9092")
    for message in consumer:
        event = json.loads(message.value)
        jsonschema.validate(event, SCHEMA)
"#,
    );
    let h: Vec<_> = f
        .handlers
        .iter()
        .map(|h| {
            (
                h.name.as_str(),
                h.kind,
                h.parses_payload,
                h.validates,
                h.dedups,
            )
        })
        .collect();
    assert_eq!(
        h,
        [
            ("run", HandlerKind::Message, true, false, true),
            ("audit", HandlerKind::Message, true, true, false),
        ]
    );
}

#[test]
fn route_handlers_span_their_function() {
    let f = facts(
        "api.js",
        "const express = require('express');\nconst app = express();\napp.get('/x', async (req, res) => {\n  res.send('ok');\n});\n",
    );
    let h = &f.handlers[0];
    assert_eq!(h.kind, HandlerKind::Request);
    assert_eq!(h.name, "handler of GET /x");
    assert_eq!((h.loc.line, h.end.line), (3, 5));
}

// ----- retries -----------------------------------------------------------------------------------

#[test]
fn retry_loops_and_decorators() {
    let f = facts(
        "client.py",
        r#"
import time, requests
from tenacity import retry, stop_after_attempt, wait_exponential
from kafka import KafkaConsumer

def forever(url):
    while True:
        try:
            return requests.get(url, timeout=2)
        except Exception:
            continue

def bounded(url):
    for attempt in range(3):
        try:
            return requests.get(url, timeout=2)
        except Exception:
            time.sleep(2 ** attempt)

def counted(url):
    attempts = 0
    while True:
        try:
            return requests.get(url, timeout=2)
        except Exception:
            attempts += 1
            if attempts >= 5:
                raise

def pages(urls):
    for url in urls:
        requests.get(url, timeout=2)

def worker():
    consumer = KafkaConsumer("t")
    while True:
        msg = consumer.poll(1.0)
        requests.post("http://x/y", data=msg, timeout=2)

@retry
def a():
    pass

@retry(stop=stop_after_attempt(3), wait=wait_exponential())
def b():
    pass
"#,
    );
    let r: Vec<_> = f
        .retries
        .iter()
        .map(|r| (r.loc.line, r.mechanism.as_str(), r.bounded, r.backoff))
        .collect();
    assert_eq!(
        r,
        [
            (7, "loop", false, false),
            (14, "loop", true, true),
            (22, "loop", true, false),
            (40, "decorator", false, false),
            (44, "decorator", true, true),
        ]
    );
}

#[test]
fn retry_libraries() {
    let js = facts(
        "a.js",
        "const axiosRetry = require('axios-retry');\nconst axios = require('axios');\naxiosRetry(axios, { retries: 3 });\naxiosRetry(axios, { retries: 3, retryDelay: axiosRetry.exponentialDelay });\n",
    );
    let r: Vec<_> = js.retries.iter().map(|r| (r.bounded, r.backoff)).collect();
    assert_eq!(r, [(true, false), (true, true)]);
    let java = facts(
        "A.java",
        "class A {\n  @Retryable(maxAttempts = Integer.MAX_VALUE)\n  void f() {}\n  @Retryable(maxAttempts = 3)\n  void g() {}\n}\n",
    );
    let r: Vec<_> = java
        .retries
        .iter()
        .map(|r| (r.bounded, r.backoff))
        .collect();
    assert_eq!(r, [(false, true), (true, true)]);
}

// ----- logs and literals -------------------------------------------------------------------------

#[test]
fn secret_logs_keep_credential_names_only() {
    let f = facts(
        "main.go",
        r#"package main

import (
	"log"
	"os"
)

func main() {
	log.Printf("key %s", os.Getenv("CARD_PROCESSOR_API_KEY"))
	log.Printf("configured %t", os.Getenv("CARD_PROCESSOR_API_KEY") != "")
	log.Printf("user %s", os.Getenv("USER_NAME"))
}
"#,
    );
    assert_eq!(f.secret_logs.len(), 1);
    assert_eq!(f.secret_logs[0].names[0].name, "CARD_PROCESSOR_API_KEY");
    assert_eq!(f.secret_logs[0].names[0].kind, NameKind::Env);

    let js = facts(
        "a.js",
        "console.log(req.headers.authorization);\nconsole.log(mask(token));\nlogger.info({ password });\n",
    );
    let names: Vec<_> = js
        .secret_logs
        .iter()
        .flat_map(|l| l.names.iter().map(|n| (n.name.as_str(), n.kind)))
        .collect();
    assert_eq!(
        names,
        [
            ("authorization", NameKind::Header),
            ("password", NameKind::Variable)
        ]
    );
}

#[test]
fn literals_given_to_credential_names() {
    let f = facts(
        "settings.py",
        r#"
import os
API_KEY = "abc123def456"
DB_PASSWORD = os.environ.get("DB_PASSWORD", "dev-pass")
conn = connect(host="db", password="s3cret!")
TIMEOUT = "30"
HOOK = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
"#,
    );
    let h: Vec<_> = f
        .hardcoded
        .iter()
        .map(|h| (h.name.as_deref(), h.context.as_str()))
        .collect();
    assert_eq!(
        h,
        [
            (Some("API_KEY"), "assignment"),
            (Some("DB_PASSWORD"), "default"),
            (Some("password"), "argument"),
            (None, "literal"),
        ]
    );
}
