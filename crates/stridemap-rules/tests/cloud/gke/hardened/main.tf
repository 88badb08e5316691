# A hardened GKE cluster: private endpoint, application-layer Secrets encryption, Workload
# Identity, Binary Authorization, Dataplane V2, a gVisor pool, dedicated node service
# account, metadata concealed.
variable "project" {
  default = "acme-shop"
}

resource "google_service_account" "nodes" {
  account_id = "shop-nodes"
}

resource "google_container_cluster" "shop" {
  name                     = "shop"
  location                 = "europe-west1"
  remove_default_node_pool = true
  initial_node_count       = 1
  datapath_provider        = "ADVANCED_DATAPATH"

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = true
    master_ipv4_cidr_block  = "172.16.0.0/28"
  }

  database_encryption {
    state    = "ENCRYPTED"
    key_name = "projects/acme-shop/locations/europe-west1/keyRings/gke/cryptoKeys/etcd"
  }

  workload_identity_config {
    workload_pool = "${var.project}.svc.id.goog"
  }

  binary_authorization {
    evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE"
  }

  secret_manager_config {
    enabled = true
  }
}

resource "google_container_node_pool" "general" {
  name    = "general"
  cluster = google_container_cluster.shop.id

  node_config {
    machine_type    = "e2-standard-4"
    service_account = google_service_account.nodes.email

    workload_metadata_config {
      mode = "GKE_METADATA"
    }
  }
}

resource "google_container_node_pool" "sandboxed" {
  name    = "sandboxed"
  cluster = google_container_cluster.shop.id

  node_config {
    machine_type    = "e2-standard-4"
    service_account = google_service_account.nodes.email

    sandbox_config {
      sandbox_type = "gvisor"
    }

    workload_metadata_config {
      mode = "GKE_METADATA"
    }
  }
}
