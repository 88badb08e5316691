'use strict';
// API gateway: fronts the catalog, cart and payment services.
const express = require('express');
const axios = require('axios');
const got = require('got');
const https = require('https');
const superagent = require('superagent');
const passport = require('passport');
const grpc = require('@grpc/grpc-js');
const { Pool } = require('pg');
const mongoose = require('mongoose');
const Redis = require('ioredis');
const { Kafka } = require('kafkajs');

const { requireAuth, requireRole } = require('./middleware/auth');
const { CartServiceClient } = require('./gen/cart_grpc_pb');

const PORT = process.env.PORT || 3000;
const CATALOG_URL = process.env.CATALOG_URL || 'http://catalog:8080';
const PAYMENTS_HOST = process.env['PAYMENTS_HOST'] ?? 'payments.internal';
const { RECO_URL = 'http://recommendations:5000', AUDIT_URL } = process.env;

const config = {
  inventory: {
    baseUrl: process.env.INVENTORY_URL || 'http://inventory:8080',
  },
  kafkaBrokers: (process.env.KAFKA_BROKERS || 'kafka:9092').split(','),
};

const catalog = axios.create({ baseURL: CATALOG_URL, timeout: 2000 });
const legacy = axios.create({ baseURL: 'http://legacy-erp.corp:8000/api' });

const cart = new CartServiceClient(process.env.CART_ADDR || 'cart:50051', grpc.credentials.createInsecure());

const db = new Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5000 });
mongoose.connect(`mongodb://${process.env.MONGO_HOST || 'mongo'}:27017/reviews`);
const redis = new Redis(6379, process.env.REDIS_HOST || 'redis');

const kafka = new Kafka({ clientId: 'gateway', brokers: config.kafkaBrokers });
const producer = kafka.producer();
const consumer = kafka.consumer({ groupId: 'gateway' });

const agent = new https.Agent({ rejectUnauthorized: false });

const app = express();
const admin = express.Router();
app.use(express.json());

app.get('/healthz', (req, res) => res.send('ok'));

app.get('/products/:id', async (req, res) => {
  const { data } = await catalog.get(`/products/${req.params.id}`);
  const reco = await fetch(`${RECO_URL}/for/${req.params.id}`);
  res.json({ ...data, reco: await reco.json() });
});

app.post('/checkout', passport.authenticate('jwt', { session: false }), async (req, res) => {
  const payment = await axios.post(`https://${PAYMENTS_HOST}/v1/charges`, req.body);
  await producer.send({ topic: 'checkout.completed', messages: [{ value: JSON.stringify(payment.data) }] });
  res.status(201).json(payment.data);
});

app.get('/stock/:sku', async (req, res) => {
  const url = config.inventory.baseUrl + '/stock/' + req.params.sku;
  const stock = await got(url, { timeout: { request: 1500 } }).json();
  res.json(stock);
});

admin.get('/orders', requireRole('admin'), async (req, res) => {
  const rows = await db.query('select * from orders');
  const erp = await legacy.get('/orders', { httpsAgent: agent });
  res.json({ rows, erp: erp.data });
});

admin.delete('/cache/:key', async (req, res) => {
  await redis.del(req.params.key);
  res.sendStatus(204);
});

app.use('/admin', requireAuth, admin);

function audit(event) {
  const req = https.request({ hostname: 'audit.internal', port: 8443, path: '/events', method: 'POST' });
  req.end(JSON.stringify(event));
  return superagent.post(AUDIT_URL + '/v2/events').send(event).timeout({ response: 3000 });
}

async function startConsumer() {
  await consumer.connect();
  await consumer.subscribe({ topics: ['inventory.changed', 'price.changed'], fromBeginning: false });
  await consumer.run({ eachMessage: async ({ message }) => audit(message.value) });
}

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

module.exports = { app, startConsumer, cart };
app.listen(PORT);
