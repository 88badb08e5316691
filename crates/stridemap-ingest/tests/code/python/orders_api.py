"""Orders API: FastAPI service that talks to inventory, payments and the shipping gRPC service."""

import os
import ssl
import logging

import grpc
import httpx
import requests
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer
from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy import create_engine
import redis

from .shipping_pb2_grpc import ShippingStub

log = logging.getLogger(__name__)

INVENTORY_URL = os.environ.get("INVENTORY_URL", "http://inventory:8080")
PAYMENTS_URL = os.getenv("PAYMENTS_URL", "http://payments.internal:9000") + "/api/v1"
SHIPPING_ADDR = os.environ["SHIPPING_GRPC_ADDR"]
KAFKA_BROKERS = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
ORDER_EVENTS_TOPIC = "orders.events"
DB_URL = "postgresql://orders:{}@{}:5432/orders".format(
    os.environ.get("DB_PASSWORD", ""), os.environ.get("DB_HOST", "postgres")
)

engine = create_engine(DB_URL, pool_pre_ping=True)
cache = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://cache:6379/0"))

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

app = FastAPI(title="orders")
admin = APIRouter(prefix="/admin", dependencies=[Depends(verify_admin_token)])

producer = KafkaProducer(bootstrap_servers=KAFKA_BROKERS, acks="all")


def get_current_user(token: str = Depends(oauth2_scheme)):
    return {"sub": token}


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/orders/{order_id}")
async def get_order(order_id: str, user=Depends(get_current_user)):
    async with httpx.AsyncClient(base_url=INVENTORY_URL, timeout=2.0) as client:
        stock = await client.get(f"/stock/{order_id}")
    return {"id": order_id, "stock": stock.json()}


@app.post("/orders", status_code=201)
def create_order(order: dict, user=Depends(get_current_user)):
    resp = requests.post(f"{PAYMENTS_URL}/charges", json=order)  # no timeout
    resp.raise_for_status()
    producer.send(ORDER_EVENTS_TOPIC, value=order)
    with grpc.insecure_channel(SHIPPING_ADDR) as channel:
        ShippingStub(channel).Schedule(order)
    return resp.json()


@admin.delete("/orders/{order_id}")
def purge(order_id: str):
    legacy = "https://legacy-billing.corp.example.com"
    requests.delete(legacy + "/orders/" + order_id, timeout=5, verify=False)
    cache.delete(order_id)


def audit_consumer():
    consumer = KafkaConsumer(
        "payments.completed",
        bootstrap_servers=KAFKA_BROKERS.split(","),
        group_id="orders",
    )
    consumer.subscribe(["payments.refunded", "shipping.%s" % "delivered"])
    for message in consumer:
        log.info("event %s", message.value)


def unverified():
    ctx = ssl._create_unverified_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


app.include_router(admin)
