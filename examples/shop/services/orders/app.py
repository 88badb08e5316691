"""orders: accepts orders, charges them through payments, and announces them on Kafka."""
import os
import pickle

import requests
from flask import Flask, jsonify, request
from kafka import KafkaConsumer, KafkaProducer

app = Flask(__name__)
PAYMENTS_URL = os.environ.get("PAYMENTS_URL", "http://payments:8080")
producer = KafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP"], security_protocol="PLAINTEXT")


@app.route("/api/orders", methods=["POST"])
def create_order():
    order = request.get_json()
    # Plain HTTP to another service, no timeout: a slow payments service stalls every worker here.
    charge = requests.post(f"{PAYMENTS_URL}/charges", json={"order": order["id"], "amount": order["total"]})
    producer.send("order-events", pickle.dumps({"order": order, "charge": charge.json()}))
    return jsonify({"status": "accepted"}), 202


@app.route("/internal/admin/orders/<order_id>", methods=["DELETE"])
def delete_order(order_id):
    # Reachable by anything that can reach the pod: no authentication on internal routes.
    Order.query.filter_by(id=order_id).delete()
    return jsonify({"status": "deleted"})


@app.route("/healthz")
def healthz():
    return "ok"


def consume_refunds():
    consumer = KafkaConsumer("refund-requests", bootstrap_servers=os.environ["KAFKA_BOOTSTRAP"])
    for message in consumer:
        refund = pickle.loads(message.value)
        refund.apply()
