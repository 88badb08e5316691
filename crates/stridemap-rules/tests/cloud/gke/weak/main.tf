# A weak GKE cluster: public control plane, legacy ABAC and a client certificate, logging
# off, no Workload Identity, no Binary Authorization, no sandbox pool, nodes on the default
# compute service account, no network policy.
locals {
  logging = "none"
}

resource "google_container_cluster" "shop" {
  name               = "shop"
  location           = "europe-west1"
  enable_legacy_abac = true
  logging_service    = local.logging
  initial_node_count = 1

  master_auth {
    client_certificate_config {
      issue_client_certificate = true
    }
  }

  node_config {
    machine_type = "e2-standard-4"
    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
  }
}
