# A weak AKS cluster: public API server, no KMS, no audit export, local accounts, no Entra
# ID, no workload identity, no Azure Policy, no sandbox pool, a Contributor kubelet, no
# network policy.
resource "azurerm_kubernetes_cluster" "shop" {
  name                = "shop"
  location            = "westeurope"
  resource_group_name = "shop-rg"
  dns_prefix          = "shop"

  default_node_pool {
    name       = "default"
    node_count = 3
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin = "azure"
  }
}

resource "azurerm_role_assignment" "kubelet_contributor" {
  scope                = "/subscriptions/00000000-0000-0000-0000-000000000000"
  role_definition_name = "Contributor"
  principal_id         = azurerm_kubernetes_cluster.shop.kubelet_identity[0].object_id
}
