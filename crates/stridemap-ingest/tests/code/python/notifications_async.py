"""Notifications: aiohttp + aio-pika worker, SQS/SNS via boto3, NATS, redis pub/sub."""
import asyncio
import http.client
import os

import aio_pika
import aiohttp
import boto3
import nats
import redis
import requests
from aiokafka import AIOKafkaProducer

TEMPLATES_URL = os.environ.get("TEMPLATES_URL", "http://templates:8000")
QUEUE_URL = os.environ["OUTBOX_QUEUE_URL"]

sqs = boto3.client("sqs", region_name="eu-west-1")
sns = boto3.client("sns")
bus = redis.Redis(host=os.getenv("REDIS_HOST", "redis"), port=6379, socket_timeout=2)


class TemplateClient:
    BASE = "/v1/templates"

    def __init__(self):
        self.session = requests.Session()

    def render(self, name):
        return self.session.get(TEMPLATES_URL + self.BASE + "/" + name)


async def fetch_profile(user_id):
    timeout = aiohttp.ClientTimeout(total=3)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(f"http://profiles:8080/users/{user_id}") as resp:
            return await resp.json()


def sms_gateway(number):
    conn = http.client.HTTPSConnection("sms.provider.example.com", 443, timeout=5)
    conn.request("POST", "/send?to=" + number)
    return conn.getresponse()


async def main():
    connection = await aio_pika.connect_robust(os.environ.get("AMQP_URL", "amqp://rabbitmq/"))
    channel = await connection.channel()
    queue = await channel.declare_queue("notifications.requested", durable=True)
    await channel.default_exchange.publish(aio_pika.Message(b"{}"), routing_key="notifications.sent")
    await queue.consume(print)

    producer = AIOKafkaProducer(bootstrap_servers="kafka:9092")
    await producer.send_and_wait("notifications.audit", b"{}")

    nc = await nats.connect(servers=["nats://nats-0:4222", "nats://nats-1:4222"])
    await nc.publish("notifications.metrics", b"1")
    await nc.subscribe("notifications.control", cb=print)

    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody="{}")
    sqs.receive_message(QueueUrl=QUEUE_URL, WaitTimeSeconds=20)
    sns.publish(TopicArn="arn:aws:sns:eu-west-1:123456789012:alerts", Message="x")

    bus.publish("notifications.live", "hello")
    pubsub = bus.pubsub()
    pubsub.subscribe("notifications.commands")


if __name__ == "__main__":
    asyncio.run(main())
