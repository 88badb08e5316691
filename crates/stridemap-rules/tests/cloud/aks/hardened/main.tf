# A hardened AKS cluster: private cluster, KMS etcd encryption, audit logs exported, Entra
# ID with local accounts off, workload identity, Azure Policy, a Kata pool, AcrPull only for
# the kubelet, Cilium network policy, Key Vault CSI driver.
resource "azurerm_kubernetes_cluster" "shop" {
  name                      = "shop"
  location                  = "westeurope"
  resource_group_name       = "shop-rg"
  dns_prefix                = "shop"
  private_cluster_enabled   = true
  local_account_disabled    = true
  oidc_issuer_enabled       = true
  workload_identity_enabled = true
  azure_policy_enabled      = true

  default_node_pool {
    name       = "default"
    node_count = 3
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
  }

  key_management_service {
    key_vault_key_id = "https://shop-kv.vault.azure.net/keys/etcd/0123456789abcdef"
  }

  key_vault_secrets_provider {
    secret_rotation_enabled = true
  }

  network_profile {
    network_plugin      = "azure"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "sandboxed" {
  name                  = "sandbox"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.shop.id
  vm_size               = "Standard_D4s_v5"
  workload_runtime      = "KataMshvVmIsolation"
}

resource "azurerm_role_assignment" "kubelet_pull" {
  scope                = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shop-rg/providers/Microsoft.ContainerRegistry/registries/shop"
  role_definition_name = "AcrPull"
  principal_id         = azurerm_kubernetes_cluster.shop.kubelet_identity[0].object_id
}

resource "azurerm_monitor_diagnostic_setting" "audit" {
  name                       = "shop-audit"
  target_resource_id         = azurerm_kubernetes_cluster.shop.id
  log_analytics_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shop-rg/providers/Microsoft.OperationalInsights/workspaces/shop"

  enabled_log {
    category = "kube-audit-admin"
  }
}
