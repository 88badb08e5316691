// Inventory service: gin HTTP API, Postgres, Redis cache, Kafka events, a gRPC pricing client.
package main

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	_ "github.com/lib/pq"
	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	amqp "github.com/rabbitmq/amqp091-go"

	"example.com/inventory/internal/auth"
	pricingpb "example.com/inventory/gen/pricing"
)

const (
	defaultPricingAddr = "pricing:9090"
	stockTopic         = "inventory.stock-changed"
)

var catalogURL = getEnv("CATALOG_URL", "http://catalog:8080")

func getEnv(key, fallback string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return fallback
}

type Server struct {
	db      *sql.DB
	cache   *redis.Client
	client  *http.Client
	pricing pricingpb.PricingClient
	writer  *kafka.Writer
}

func main() {
	dsn := fmt.Sprintf("postgres://inventory:%s@%s:5432/inventory?sslmode=disable",
		os.Getenv("DB_PASSWORD"), getEnv("DB_HOST", "postgres"))
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		log.Fatal(err)
	}

	cache := redis.NewClient(&redis.Options{
		Addr:        getEnv("REDIS_ADDR", "redis:6379"),
		DialTimeout: 2 * time.Second,
	})

	conn, err := grpc.Dial(getEnv("PRICING_ADDR", defaultPricingAddr),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}

	writer := &kafka.Writer{
		Addr:  kafka.TCP(os.Getenv("KAFKA_BROKER")),
		Topic: stockTopic,
	}

	s := &Server{
		db:      db,
		cache:   cache,
		client:  &http.Client{Timeout: 3 * time.Second},
		pricing: pricingpb.NewPricingClient(conn),
		writer:  writer,
	}

	r := gin.Default()
	r.GET("/healthz", func(c *gin.Context) { c.String(200, "ok") })
	api := r.Group("/api/v1")
	api.GET("/items/:sku", s.getItem)
	admin := r.Group("/admin", auth.RequireJWT())
	admin.DELETE("/items/:sku", s.deleteItem)
	admin.POST("/reindex", s.reindex)
	go consumeRestocks()
	log.Fatal(r.Run(":8080"))
}

func (s *Server) getItem(c *gin.Context) {
	sku := c.Param("sku")
	resp, err := http.Get(catalogURL + "/products/" + sku)
	if err != nil {
		c.AbortWithStatus(502)
		return
	}
	defer resp.Body.Close()
	c.JSON(200, gin.H{"sku": sku})
}

func (s *Server) deleteItem(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodDelete,
		fmt.Sprintf("%s/products/%s", catalogURL, c.Param("sku")), nil)
	_, _ = s.client.Do(req)
	_ = s.writer.WriteMessages(ctx, kafka.Message{Value: []byte(c.Param("sku"))})
}

func (s *Server) reindex(c *gin.Context) {
	audit := os.Getenv("AUDIT_URL")
	req, _ := http.NewRequest("POST", audit+"/events", nil)
	client := &http.Client{
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	_, _ = client.Do(req)
	_, _ = http.DefaultClient.Get("http://search:9200/_reindex")
}

func consumeRestocks() {
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers: []string{"kafka-0:9092", "kafka-1:9092"},
		GroupID: "inventory",
		Topic:   "warehouse.restocked",
	})
	defer reader.Close()

	amqpConn, err := amqp.Dial(getEnv("AMQP_URL", "amqp://guest:guest@rabbitmq:5672/"))
	if err != nil {
		return
	}
	ch, _ := amqpConn.Channel()
	msgs, _ := ch.Consume("inventory.commands", "", false, false, false, false, nil)
	for m := range msgs {
		_ = ch.PublishWithContext(context.Background(), "", "inventory.replies", false, false,
			amqp.Publishing{Body: m.Body})
	}
}
