// Notification worker: consumes order events from RabbitMQ, sends mails through SQS,
// serves a small admin API.
import express, { Request, Response } from 'express';
import amqp from 'amqplib';
import { SQSClient, SendMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createClient } from 'redis';
import mysql from 'mysql2/promise';
import { connect, StringCodec } from 'nats';
import { checkJwt } from './auth';

const AMQP_URL = process.env.AMQP_URL || 'amqp://guest:guest@rabbitmq:5672';
const MAIL_QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${process.env.AWS_ACCOUNT_ID}/mail-out`;
const ORDERS_QUEUE = 'orders.created';

const sqs = new SQSClient({ region: 'eu-west-1' });
const cache = createClient({ url: process.env.REDIS_URL ?? 'redis://cache:6379' });
const pool = mysql.createPool({ host: process.env.DB_HOST || 'mysql', port: 3306, user: 'notifier', connectTimeout: 2000 });

export async function worker(): Promise<void> {
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  await ch.assertQueue(ORDERS_QUEUE, { durable: true });
  await ch.consume(ORDERS_QUEUE, async (msg) => {
    if (!msg) return;
    await sqs.send(new SendMessageCommand({ QueueUrl: MAIL_QUEUE_URL, MessageBody: msg.content.toString() }));
    ch.sendToQueue('notifications.sent', Buffer.from('ok'));
    ch.publish('events', 'notification.sent', Buffer.from('ok'));
    ch.ack(msg);
  });
  const replies = await sqs.send(new ReceiveMessageCommand({ QueueUrl: process.env.BOUNCES_QUEUE_URL }));
  const nc = await connect({ servers: process.env.NATS_URL || 'nats://nats:4222' });
  nc.publish('notifications.metrics', StringCodec().encode('1'));
  nc.subscribe('notifications.control');
  void replies;
}

const app = express();
const router = express.Router();

router.get('/templates', async (_req: Request, res: Response) => {
  const [rows] = await pool.query('select * from templates');
  res.json(rows);
});

router.post('/templates/:id/preview', checkJwt, async (req: Request, res: Response) => {
  const controller = new AbortController();
  const r = await fetch(`http://renderer:8080/render/${req.params.id}`, {
    method: 'POST',
    body: JSON.stringify(req.body),
    signal: controller.signal,
  });
  res.send(await r.text());
});

app.use(checkJwt);
app.delete('/cache', async (_req: Request, res: Response) => {
  await cache.flushAll();
  res.sendStatus(204);
});
app.use('/api', router);
app.listen(8080);
