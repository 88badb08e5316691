// catalog: product listings, cached in Redis, prices from the pricing partner.
const https = require("https");
const express = require("express");
const axios = require("axios");

const app = express();
const partner = axios.create({
  baseURL: "https://pricing.partner.example",
  httpsAgent: new https.Agent({ rejectUnauthorized: false }),
});

async function fetchPrices(ids) {
  // Retries forever with no backoff: a partner outage turns into a request storm.
  for (;;) {
    try {
      return (await partner.get("/prices", { params: { ids } })).data;
    } catch (err) {
      console.warn("pricing partner failed, retrying", err.message);
    }
  }
}

app.get("/api/catalog/products", async (req, res) => {
  const prices = await fetchPrices(req.query.ids);
  res.json(prices);
});

app.listen(process.env.PORT || 3000);
