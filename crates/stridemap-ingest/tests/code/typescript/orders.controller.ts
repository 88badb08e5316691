import { Body, Controller, Delete, Get, Param, Post, UseGuards } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { ConfigService } from '@nestjs/config';
import { AuthGuard } from '@nestjs/passport';
import { ClientKafka } from '@nestjs/microservices';
import axios, { AxiosInstance } from 'axios';
import * as grpc from '@grpc/grpc-js';
import { MongoClient } from 'mongodb';
import { firstValueFrom } from 'rxjs';

import { RolesGuard } from '../auth/roles.guard';
import { ShippingClient } from '../gen/shipping';

const PRICING_BASE = 'http://pricing:8080';
const SHIPPING_ADDR: string = process.env.SHIPPING_ADDR ?? 'shipping:50051';

@Controller('orders')
export class OrdersController {
  private readonly pricing: AxiosInstance = axios.create({ baseURL: `${PRICING_BASE}/api` });
  private readonly shipping = new ShippingClient(SHIPPING_ADDR, grpc.credentials.createSsl());
  private readonly mongo = new MongoClient(process.env.MONGO_URI as string);

  constructor(
    private readonly http: HttpService,
    private readonly config: ConfigService,
  ) {}

  @Get()
  list() {
    return [];
  }

  @Get(':id')
  @UseGuards(AuthGuard('jwt'))
  async get(@Param('id') id: string) {
    const base = this.config.get<string>('INVENTORY_URL', 'http://inventory:8080');
    const stock = await firstValueFrom(this.http.get(`${base}/stock/${id}`));
    const price = await this.pricing.get(`/prices/${id}`);
    return { id, stock: stock.data, price: price.data };
  }

  @Post()
  @UseGuards(AuthGuard('jwt'), RolesGuard)
  async create(@Body() body: unknown) {
    await this.http.post('http://billing:9000/invoices', body).toPromise();
    return body;
  }

  @Delete(':id')
  remove(@Param('id') id: string) {
    return axios.delete(`http://audit:7000/orders/${id}`, { timeout: 1000 });
  }
}
