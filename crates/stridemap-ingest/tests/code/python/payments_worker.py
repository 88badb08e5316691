"""Payments service: Flask API plus a RabbitMQ worker."""
import json
import os
from urllib.request import Request, urlopen

import pika
import psycopg2
import pymongo
from confluent_kafka import Consumer, Producer
from flask import Blueprint, Flask, jsonify, request
from flask_login import login_required

from .auth import jwt_required, requires_scope

RABBIT_HOST = os.environ.get("RABBITMQ_HOST") or "rabbitmq"
FRAUD_API = "http://fraud-check:7000"
LEDGER_QUEUE = "ledger.entries"

app = Flask(__name__)
api = Blueprint("api", __name__, url_prefix="/api/v2")

conn = psycopg2.connect(
    host=os.environ.get("PGHOST", "payments-db"), port=5432, dbname="payments", connect_timeout=3
)
mongo = pymongo.MongoClient("mongodb://receipts-db:27017/")


class FraudClient:
    def __init__(self):
        self.base_url = os.getenv("FRAUD_URL", FRAUD_API)
        self.session = requests_session()

    def score(self, payment_id):
        url = "{}/score/{}".format(self.base_url, payment_id)
        req = Request(url, data=b"{}", method="POST")
        return json.load(urlopen(req, timeout=3))


def requests_session():
    return None


@app.route("/payments", methods=["GET", "POST"])
@login_required
def payments():
    return jsonify([])


@api.route("/refunds/<rid>", methods=["POST"])
@jwt_required()
@requires_scope("refunds:write")
def refund(rid):
    publish_ledger({"refund": rid})
    return jsonify({"ok": True})


@app.get("/metrics")
def metrics():
    return "ok"


def publish_ledger(entry):
    params = pika.ConnectionParameters(host=RABBIT_HOST, port=5672)
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    channel.queue_declare(queue=LEDGER_QUEUE, durable=True)
    channel.basic_publish(exchange="", routing_key=LEDGER_QUEUE, body=json.dumps(entry))
    channel.basic_publish(exchange="payments", routing_key="audit", body=b"")


def consume_ledger():
    connection = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
    ch = connection.channel()
    ch.basic_consume(queue="ledger.replies", on_message_callback=print)
    ch.start_consuming()


def kafka_bridge():
    conf = {"bootstrap.servers": os.environ.get("KAFKA_BROKERS", "kafka-0:9092,kafka-1:9092"), "group.id": "payments"}
    consumer = Consumer(conf)
    consumer.subscribe(["orders.events"])
    out = Producer({"bootstrap.servers": "kafka-0:9092"})
    out.produce("payments.completed", b"{}")


def legacy_lookup(account):
    return urlopen("http://legacy-accounts:8000/accounts/%s" % account)
