import Fastify from 'fastify';
import got from 'got';
import mysql from 'mysql2';
import { Sequelize } from 'sequelize';
import Redis from 'ioredis';
import http from 'node:http';
import Router from '@koa/router';

const SEARCH = process.env.SEARCH_URL ?? 'http://search:9200';
const search = got.extend({ prefixUrl: SEARCH, timeout: { request: 2000 } });
const sequelize = new Sequelize(process.env.DATABASE_URL || 'postgres://catalog@db:5432/catalog');
const db = mysql.createConnection('mysql://legacy:secret@legacy-db:3306/catalog');
const pub = new Redis(process.env.REDIS_URL);
const sub = pub.duplicate();

const fastify = Fastify({ logger: true });

fastify.get('/products', async () => search.get('products/_search').json());

fastify.post('/products', { preHandler: [fastify.authenticate] }, async (req) => {
  await pub.publish('catalog.changed', JSON.stringify(req.body));
  return { ok: true };
});

sub.subscribe('catalog.invalidate', (err) => err && console.error(err));

http.get('http://pricing:8080/prices', (res) => res.resume());

const router = new Router({ prefix: '/v2' });
router.get('/items/:id', requireApiKey, async (ctx) => { ctx.body = {}; });

fastify.listen({ port: 3000 });
