package com.example.orders;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpMethod;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

@RestController
@RequestMapping("/api/orders")
public class OrderController {

    private static final String INVENTORY_URL = "http://inventory:8080";
    private static final String ORDER_EVENTS = "orders.events";

    private final RestTemplate restTemplate;
    private final KafkaTemplate<String, String> kafkaTemplate;
    private final RabbitTemplate rabbitTemplate;
    private final WebClient pricing;
    private final HttpClient http = HttpClient.newHttpClient();

    @Value("${payments.base-url:http://payments:8080}")
    private String paymentsUrl;

    private final String fraudUrl = System.getenv().getOrDefault("FRAUD_URL", "http://fraud:9000");

    public OrderController(RestTemplate restTemplate,
                           KafkaTemplate<String, String> kafkaTemplate,
                           RabbitTemplate rabbitTemplate,
                           WebClient.Builder builder) {
        this.restTemplate = restTemplate;
        this.kafkaTemplate = kafkaTemplate;
        this.rabbitTemplate = rabbitTemplate;
        this.pricing = builder.baseUrl(System.getenv("PRICING_URL")).build();
    }

    @GetMapping("/{id}")
    public Order get(@PathVariable String id) {
        Stock stock = restTemplate.getForObject(INVENTORY_URL + "/stock/" + id, Stock.class);
        Price price = pricing.get().uri("/prices/{id}", id).retrieve().bodyToMono(Price.class)
                .timeout(Duration.ofSeconds(2)).block();
        return new Order(id, stock, price);
    }

    @PostMapping
    @PreAuthorize("hasRole('CUSTOMER')")
    public Order create(@RequestBody Order order) {
        restTemplate.exchange(paymentsUrl + "/charges", HttpMethod.POST, null, Void.class);
        kafkaTemplate.send(ORDER_EVENTS, order.id(), order.toString());
        rabbitTemplate.convertAndSend("orders", "order.created", order);
        return order;
    }

    @RequestMapping(value = {"/{id}/cancel", "/{id}/abort"}, method = RequestMethod.POST)
    @PreAuthorize("permitAll()")
    public void cancel(@PathVariable String id) throws Exception {
        HttpRequest request = HttpRequest.newBuilder()
                .uri(URI.create(String.format("%s/checks/%s", fraudUrl, id)))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @DeleteMapping("/{id}")
    @Secured("ROLE_ADMIN")
    public void delete(@PathVariable String id) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("shipping", 9090)
                .usePlaintext()
                .build();
        channel.shutdown();
    }

    @KafkaListener(topics = {"payments.completed", "payments.failed"}, groupId = "orders")
    public void onPayment(String message) {
    }

    @RabbitListener(queues = "${orders.returns-queue:orders.returns}")
    public void onReturn(String message) {
    }
}
