// Shipping service: net/http + gorilla/mux, MongoDB, NATS, sarama, resty, pgx, SQS.
package main

import (
	"context"
	"net/http"
	"os"

	"github.com/IBM/sarama"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/go-resty/resty/v2"
	"github.com/gorilla/mux"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

var labelsQueue = "https://sqs.eu-central-1.amazonaws.com/123456789012/labels"

type handlers struct {
	carrier *resty.Client
	sqs     *sqs.Client
}

func run(ctx context.Context) error {
	mongoURI := os.Getenv("MONGO_URI")
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(mongoURI))
	if err != nil {
		return err
	}
	defer client.Disconnect(ctx)

	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer pool.Close()

	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		return err
	}
	nc.Publish("shipping.label-created", []byte("{}"))
	nc.QueueSubscribe("orders.paid", "shipping", func(m *nats.Msg) {})

	producer, err := sarama.NewSyncProducer([]string{os.Getenv("KAFKA_BROKERS")}, nil)
	if err != nil {
		return err
	}
	msg := &sarama.ProducerMessage{Topic: "shipping.dispatched", Value: sarama.StringEncoder("x")}
	_, _, _ = producer.SendMessage(msg)

	creds := credentials.NewTLS(nil)
	tracking, err := grpc.NewClient("tracking.internal:443", grpc.WithTransportCredentials(creds))
	if err != nil {
		return err
	}
	defer tracking.Close()

	carrier := resty.New().SetBaseURL("https://api.carrier.example.com")
	h := &handlers{carrier: carrier}

	r := mux.NewRouter()
	r.HandleFunc("/shipments/{id}", h.getShipment).Methods("GET")
	api := r.PathPrefix("/internal").Subrouter()
	api.Use(requireServiceToken)
	api.HandleFunc("/labels", h.createLabel).Methods("POST", "PUT")
	http.Handle("/metrics", metricsHandler())
	http.Handle("/admin/", basicAuth(adminHandler()))
	http.HandleFunc("GET /status", status)
	return http.ListenAndServe(":8080", r)
}

func (h *handlers) getShipment(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	_, _ = h.carrier.R().SetContext(r.Context()).Get("/v2/track/" + id)
}

func (h *handlers) createLabel(w http.ResponseWriter, r *http.Request) {
	_, _ = h.sqs.SendMessage(r.Context(), &sqs.SendMessageInput{
		QueueUrl:    aws.String(labelsQueue),
		MessageBody: aws.String("label"),
	})
}

func status(w http.ResponseWriter, r *http.Request)    {}
func metricsHandler() http.Handler                     { return nil }
func adminHandler() http.Handler                       { return nil }
func basicAuth(h http.Handler) http.Handler            { return h }
func requireServiceToken(h http.Handler) http.Handler { return h }
