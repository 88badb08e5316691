package com.example.notifications;

import java.io.ByteArrayInputStream;
import java.io.ObjectInputStream;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Sends an e-mail for every order event. */
public class OrderEventsConsumer {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", System.getenv("KAFKA_BOOTSTRAP"));
        props.put("group.id", "notifications");
        props.put("security.protocol", "PLAINTEXT");
        props.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        props.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of("order-events"));
            while (true) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(record.value()));
                    OrderEvent event = (OrderEvent) in.readObject();
                    Mailer.send(event);
                }
            }
        }
    }
}
