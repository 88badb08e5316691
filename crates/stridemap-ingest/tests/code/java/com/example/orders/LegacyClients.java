package com.example.orders;

import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Arrays;
import java.util.Properties;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.X509TrustManager;

import org.apache.http.conn.ssl.NoopHostnameVerifier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.cloud.openfeign.FeignClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import redis.clients.jedis.Jedis;

/** Old integrations kept alive during the migration. */
public class LegacyClients {

    static final String DB_URL = "jdbc:postgresql://" + System.getenv("DB_HOST") + ":5432/orders";
    static final String AUDIT_TOPIC = "orders.audit";

    @FeignClient(name = "customers", url = "${customers.url:http://customers:8080}")
    interface CustomerClient {
        @GetMapping("/customers/{id}")
        Customer find(@PathVariable("id") String id);
    }

    @FeignClient(name = "loyalty")
    interface LoyaltyClient {
        @GetMapping("/points/{id}")
        Points points(@PathVariable("id") String id);
    }

    private final OkHttpClient ok = new OkHttpClient();

    Connection db() throws Exception {
        return DriverManager.getConnection(DB_URL, "orders", System.getenv("DB_PASSWORD"));
    }

    MongoClient mongo() {
        return MongoClients.create("mongodb://archive-db:27017");
    }

    Jedis cache() {
        return new Jedis(System.getenv("REDIS_HOST"), 6379);
    }

    void legacyErp(String id) throws Exception {
        Request request = new Request.Builder()
                .url("https://erp.legacy.example.com/api/orders/" + id)
                .delete()
                .build();
        ok.newCall(request).execute();
    }

    void audit(String payload) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("KAFKA_BOOTSTRAP"));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(AUDIT_TOPIC, payload));
        }
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(Arrays.asList("orders.replayed", "orders.compacted"));
    }

    void trustEverything() {
        X509TrustManager trustAll = new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        HttpsURLConnection.setDefaultHostnameVerifier((hostname, session) -> true);
        HttpsURLConnection.setDefaultHostnameVerifier(NoopHostnameVerifier.INSTANCE);
    }
}
